"""Evidence uploads: recognised by content, hostile files refused, images re-encoded, stored outside static/."""
from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from app.services import uploads
from app.services.uploads import JPEG, PDF, PNG, UploadRefused, inspect_upload
from tests.services.change_world import png_bytes


def jpeg_bytes(size: tuple[int, int] = (40, 20), exif: Any = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (10, 120, 200))
    image.save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def pdf_bytes(body: bytes = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n") -> bytes:
    return b"%PDF-1.7\n" + body + b"trailer << /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions in a few bytes (the shape of a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_png_named_pdf_is_accepted_as_png(ctx: Any) -> None:
    """The type comes from the bytes: a PNG called .pdf is a PNG, stored and named as one."""
    checked = inspect_upload("户籍证明.pdf", png_bytes())
    assert checked.content_type == PNG
    assert checked.original_name == "户籍证明.png"
    assert Image.open(io.BytesIO(checked.data)).format == "PNG"


def test_jpeg_is_recognised_whatever_its_name(ctx: Any) -> None:
    """A JPEG without extension is re-encoded as JPEG."""
    checked = inspect_upload("photo", jpeg_bytes())
    assert checked.content_type == JPEG and checked.original_name == "photo.jpg"


@pytest.mark.parametrize("payload", [
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
])
def test_html_svg_exe_named_jpg_are_refused(ctx: Any, payload: bytes) -> None:
    """HTML, SVG, executables (and other formats) are refused even when named .jpg."""
    with pytest.raises(UploadRefused) as refused:
        inspect_upload("certificate.jpg", payload)
    assert "JPEG" in refused.value.message


def test_polyglot_png_loses_its_payload(ctx: Any) -> None:
    """A valid PNG carrying HTML and a zip after its end is re-encoded, so the stored bytes hold no payload."""
    payload = b"<html><script>alert(document.cookie)</script></html>PK\x03\x04evil"
    checked = inspect_upload("proof.png", png_bytes() + payload)
    assert checked.content_type == PNG
    assert b"<script>" not in checked.data and b"PK\x03\x04" not in checked.data


def test_polyglot_with_html_first_is_refused(ctx: Any) -> None:
    """Magic bytes must start the file: HTML followed by a PNG is not a picture."""
    with pytest.raises(UploadRefused):
        inspect_upload("proof.png", b"<html>" + png_bytes())


def test_damaged_picture_is_refused(ctx: Any) -> None:
    """A PNG signature followed by garbage, or a truncated JPEG, is refused with a clear message."""
    for data in (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, jpeg_bytes()[:200]):
        with pytest.raises(UploadRefused) as refused:
            inspect_upload("x.png", data)
        assert refused.value.message


def test_oversize_file_is_refused(app: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-file limit is configured in MB; one byte more is refused, and reading stops at the limit."""
    monkeypatch.setitem(app.config, "GEMS_EVIDENCE_MAX_MB", 1)
    big = pdf_bytes(b"%" + b"x" * (1024 * 1024) + b"\n")
    with pytest.raises(UploadRefused) as refused:
        inspect_upload("big.pdf", big)
    assert "1" in refused.value.message
    stream = io.BytesIO(big)
    with pytest.raises(UploadRefused):
        uploads.read_limited(stream)
    assert stream.tell() == 1024 * 1024 + 1


@pytest.mark.parametrize("size", [(30000, 30000), (8000, 7000)])
def test_pixel_bomb_is_refused(ctx: Any, size: tuple[int, int]) -> None:
    """Pictures claiming more pixels than allowed are refused before decoding (Pillow's bomb guard too)."""
    with pytest.raises(UploadRefused) as refused:
        inspect_upload("bomb.png", png_header_only(*size))
    assert str(uploads.MAX_INPUT_PIXELS // 1_000_000) in refused.value.message


def test_exif_removed_and_orientation_applied(ctx: Any) -> None:
    """Re-encoding drops EXIF (camera, GPS) but keeps the picture upright as the camera meant it."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x010F] = "SecretCamera"
    original = jpeg_bytes((40, 20), exif=exif.tobytes())
    assert b"SecretCamera" in original
    checked = inspect_upload("phone.jpg", original)
    image = Image.open(io.BytesIO(checked.data))
    assert b"SecretCamera" not in checked.data
    assert not image.getexif()
    assert image.size == (20, 40)


def test_large_picture_is_scaled_down(ctx: Any) -> None:
    """Stored pictures are capped to MAX_SIDE on their longest side."""
    checked = inspect_upload("scan.png", png_bytes((uploads.MAX_SIDE + 500, 100)))
    assert max(Image.open(io.BytesIO(checked.data)).size) == uploads.MAX_SIDE


def test_clean_pdf_is_accepted_unchanged(ctx: Any) -> None:
    """A plain PDF is stored byte for byte."""
    data = pdf_bytes()
    checked = inspect_upload("证明.PDF", data)
    assert checked.content_type == PDF and checked.data == data and checked.original_name == "证明.pdf"


@pytest.mark.parametrize("body", [
    b"1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n",
    b"1 0 obj << /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >> endobj\n",
    b"1 0 obj << /OpenAction << /S /Launch /F (calc.exe) >> >> endobj\n",
    b"1 0 obj << /Names << /EmbeddedFiles 2 0 R >> >> endobj\n",
])
def test_pdf_with_active_content_is_refused(ctx: Any, body: bytes) -> None:
    """PDFs carrying JavaScript (also hex-escaped), launch actions or embedded files are refused."""
    with pytest.raises(UploadRefused) as refused:
        inspect_upload("form.pdf", pdf_bytes(body))
    assert "PDF" in refused.value.message


def test_pdf_with_script_hidden_in_object_stream_is_refused(ctx: Any) -> None:
    """JavaScript compressed inside an object stream is found too."""
    hidden = zlib.compress(b"3 0 << /S /JavaScript /JS (app.alert(1)) >>")
    body = (b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(hidden)
            + hidden + b"\nendstream\nendobj\n")
    with pytest.raises(UploadRefused):
        inspect_upload("form.pdf", pdf_bytes(body))


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << >> endobj\n",  # truncated: no %%EOF
    b"%PDF-x\n%%EOF\n",  # no version
    pdf_bytes(b"1 0 obj << /Encrypt 2 0 R >> endobj\n"),
])
def test_broken_or_encrypted_pdf_is_refused(ctx: Any, data: bytes) -> None:
    """A PDF must start and end like one, and encrypted ones cannot be inspected."""
    with pytest.raises(UploadRefused):
        inspect_upload("x.pdf", data)


def test_empty_file_is_refused(ctx: Any) -> None:
    """An empty upload is refused."""
    with pytest.raises(UploadRefused):
        inspect_upload("x.png", b"")


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\me\\证明\u202egnp.exe", "证明gnp.png"),
    ("a<b>:\"c|?*.jpg", "a_b___c___.png"),
    ("", "evidence.png"),
    ("....", "evidence.png"),
])
def test_original_name_is_sanitised(name: str, expected: str) -> None:
    """Paths, control and direction characters and unsafe characters never reach the stored name."""
    assert uploads.sanitise_name(name, "png") == expected


def test_store_outside_static_owner_only(app: Any, ctx: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files land under the evidence root with a random key, readable by the owner only; keys cannot escape."""
    monkeypatch.setitem(app.config, "GEMS_EVIDENCE_DIR", str(tmp_path))
    checked = inspect_upload("p.png", png_bytes())
    key = uploads.store(checked)
    path = uploads.path_of(key)
    assert path.parent.parent == tmp_path and path.read_bytes() == checked.data
    assert not str(path).startswith(app.static_folder) and oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert uploads.store(checked) != key
    for bad in ("../" + key[3:], key.upper(), "", key + "/x"):
        with pytest.raises(ValueError):
            uploads.path_of(bad)
    uploads.remove(key)
    assert not path.exists()


def test_default_root_is_instance_folder(app: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without GEMS_EVIDENCE_DIR the files live in instance/evidence, never in the static folder."""
    monkeypatch.delitem(app.config, "GEMS_EVIDENCE_DIR", raising=False)
    root = uploads.storage_root()
    assert str(root).startswith(app.instance_path) and not str(root).startswith(app.static_folder)
