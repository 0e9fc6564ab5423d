"""Evidence uploads: JPEG/PNG/PDF recognised by content, images re-encoded, files kept outside static/ (CHG-1)."""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import struct
import tempfile
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
MAX_FILES = 5
MAX_INPUT_PIXELS = 50_000_000  # a 50-megapixel phone photo still passes; bigger is a bomb or needs shrinking
MAX_SIDE = 3000  # stored images are scaled down to this longest side: plenty for reading a certificate
JPEG_QUALITY = 88
MAX_PDF_INFLATE = 64 * 1024 * 1024  # total bytes inflated while inspecting a PDF's object streams
KEY_PATTERN = re.compile(r"^[0-9a-f]{40}$")

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
# PDF names that run code, start programs or carry files; checked after #xx escapes in names are decoded
_PDF_FORBIDDEN = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*;%\x00-\x1f\x7f]')


class UploadRefused(ValueError):
    """A file that may not be stored, with the message shown to the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, in the form it will be stored (images already re-encoded)."""

    data: bytes
    content_type: str
    original_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_file_bytes() -> int:
    return int(current_app.config.get("GEMS_EVIDENCE_MAX_MB", 10)) * 1024 * 1024


def max_request_bytes() -> int:
    return int(current_app.config.get("GEMS_EVIDENCE_REQUEST_MB", 30)) * 1024 * 1024


def read_limited(stream: IO[bytes], limit: int | None = None) -> bytes:
    """Read an uploaded stream, refusing it as soon as it passes the per-file limit (never reads all of it)."""
    limit = max_file_bytes() if limit is None else limit
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    return data


def clean_name(name: str | None) -> str:
    """A browser-sent file name made harmless: no path, no control or direction characters, no unsafe characters."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    return re.sub(r"\s+", " ", _UNSAFE_NAME_CHARS.sub("_", text)).strip(" .")[:100]


def sanitise_name(name: str | None, extension: str) -> str:
    """The original name as stored metadata: cleaned, with the extension of what the content really is."""
    text = clean_name(name)
    stem = text.rsplit(".", 1)[0].strip(" .") if "." in text else text
    return f"{stem[:80] or 'evidence'}.{extension}"


def inspect_upload(filename: str | None, data: bytes) -> CheckedFile:
    """Recognise the file by its bytes (never by name or browser type) and return what will be stored."""
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > max_file_bytes():
        raise UploadRefused(_("The file is larger than %(mb)d MB.", mb=max_file_bytes() // (1024 * 1024)))
    if data.startswith((_JPEG_MAGIC, _PNG_MAGIC)):
        content, content_type = _reencode_image(data)
    elif data.startswith(b"%PDF-"):
        _check_pdf(data)
        content, content_type = data, PDF
    else:
        raise UploadRefused(_("Only JPEG or PNG pictures and PDF documents can be uploaded; "
                              "this file is none of them (whatever its name says)."))
    return CheckedFile(content, content_type, sanitise_name(filename, EXTENSIONS[content_type]),
                       hashlib.sha256(content).hexdigest())


def _reencode_image(data: bytes) -> tuple[bytes, str]:
    """Decode fully (size checked first), apply the EXIF orientation, drop all metadata, cap the size, re-encode."""
    damaged = _("The picture is damaged or incomplete and cannot be opened; please take or export it again.")
    bomb = _("The picture has too many pixels (more than %(mp)d megapixels); please reduce its size and try again.",
             mp=MAX_INPUT_PIXELS // 1_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = "JPEG" if probe.format == "MPO" else probe.format  # phones write multi-picture JPEGs
                width, height = probe.size
                if width * height > MAX_INPUT_PIXELS:
                    raise UploadRefused(bomb)
                probe.verify()
            if fmt not in ("JPEG", "PNG") or (fmt == "PNG") != data.startswith(_PNG_MAGIC):
                raise UploadRefused(damaged)
            with Image.open(io.BytesIO(data)) as image:
                if fmt == "JPEG":
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode large photos at a reduced scale
                image.load()
                clean = _normalised(image, fmt)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(bomb) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise UploadRefused(damaged) from None
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue(), JPEG
    clean.save(out, "PNG", optimize=False)
    return out.getvalue(), PNG


def _normalised(image: Image.Image, fmt: str) -> Image.Image:
    """Orientation applied, a plain pixel mode, no metadata (EXIF, XMP, ICC, text chunks), longest side capped."""
    upright = ImageOps.exif_transpose(image) or image
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in upright.info
    if fmt == "JPEG":
        mode = "L" if upright.mode in ("L", "1") else "RGB"
    else:
        mode = ("LA" if has_alpha else "L") if upright.mode in ("L", "LA", "1", "I", "I;16") else (
            "RGBA" if has_alpha else "RGB")
    if upright.mode in ("I", "I;16") and mode.startswith("L"):
        upright = upright.point(lambda v: v / 256)  # 16-bit greyscale down to 8 bits
    clean = upright.convert(mode)
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean.info = {}
    return clean


def _check_pdf(data: bytes) -> None:
    """A PDF must look like one from end to end and carry no scripts, launch actions or embedded files."""
    if not re.match(rb"%PDF-[12]\.\d", data) or b"%%EOF" not in data[-1024:]:
        raise UploadRefused(_("The PDF is damaged or incomplete (it does not begin and end like a PDF); "
                              "please export it again."))
    names = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    if b"/Encrypt" in names:
        raise UploadRefused(_("Encrypted or password-protected PDFs cannot be checked; please upload an "
                              "unprotected copy."))
    if _PDF_FORBIDDEN.search(names) or _PDF_FORBIDDEN.search(_object_streams(data)):
        raise UploadRefused(_("The PDF contains scripts, launch actions or embedded files and cannot be accepted "
                              "for safety; please print it to a new PDF or upload a photo instead."))


def _object_streams(data: bytes) -> bytes:
    """The inflated contents of the PDF's object streams, where dictionaries (and hidden actions) may live."""
    inflated, total = [], 0
    for match in _PDF_STREAM.finditer(data):
        header = data[max(0, match.start() - 2048):match.start()]
        header = header[header.rfind(b"obj"):] if b"obj" in header else header
        if b"/ObjStm" not in _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), header):
            continue
        end = data.find(b"endstream", match.end())
        body = data[match.end():end if end != -1 else len(data)]
        try:
            inflater = zlib.decompressobj()
            chunk = inflater.decompress(body, MAX_PDF_INFLATE - total + 1)
        except zlib.error:
            raise UploadRefused(_("The PDF uses a structure that cannot be checked; please print it to a new "
                                  "PDF or upload a photo instead.")) from None
        total += len(chunk)
        if total > MAX_PDF_INFLATE:
            raise UploadRefused(_("The PDF expands to far more data than its size suggests and cannot be accepted."))
        inflated.append(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk))
    return b"\n".join(inflated)


# --- storage -------------------------------------------------------------------------------------------------


def storage_root() -> Path:
    """instance/evidence (or GEMS_EVIDENCE_DIR); never under static/, so nothing is served without a check."""
    configured = current_app.config.get("GEMS_EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def path_of(storage_key: str) -> Path:
    """Where a key's bytes live; keys are generated hex strings, anything else is refused (no path tricks)."""
    if not KEY_PATTERN.match(storage_key or ""):
        raise ValueError("invalid storage key")
    return storage_root() / storage_key[:2] / storage_key


def store(checked: CheckedFile) -> str:
    """Write the bytes under a fresh random key (atomically, owner-only) and return the key."""
    key = secrets.token_hex(20)
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(checked.data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def remove(storage_key: str) -> None:
    """Delete stored bytes (used to undo a store when the database transaction fails)."""
    path_of(storage_key).unlink(missing_ok=True)
