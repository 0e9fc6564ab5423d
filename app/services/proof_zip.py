"""EMP-3: the proof files of a selection as one zip — a folder per college and student, Chinese names flagged UTF-8
(so Windows shows them), written to a generator chunk by chunk so no file is ever held in memory whole."""
from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import func

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.reference import EVIDENCE_KINDS
from app.services import audit, uploads
from app.services.national_export import NationalFilter, base_select

READ_CHUNK = 256 * 1024
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)  # Windows device names


@dataclass(frozen=True)
class ProofFile:
    evidence_id: int
    path: str  # inside the zip
    storage_key: str
    size: int
    created_at: Optional[datetime.datetime]


def part(text: Any, fallback: str = "_") -> str:
    """One path component Windows accepts: no separators or reserved characters, no trailing dot or space."""
    value = _UNSAFE.sub("_", str(text or "")).strip(" .")[:80] or fallback
    return "_" + value if _RESERVED.match(value) else value


def _unique(path: str, taken: set[str]) -> str:
    if path.lower() not in taken:
        taken.add(path.lower())
        return path
    stem, dot, ext = path.rpartition(".")
    stem, ext = (stem, "." + ext) if dot else (path, "")
    n = 2
    while f"{stem}({n}){ext}".lower() in taken:
        n += 1
    taken.add(f"{stem}({n}){ext}".lower())
    return f"{stem}({n}){ext}"


def _query(f: NationalFilter, user: Any, columns: list[Any]) -> Any:
    """The selection's destinations (scoped by base_select) joined to their proof files."""
    if f.plan:
        raise ValueError("proof files are exported for destinations, not for the plan")
    return (base_select(f, user, columns)
            .join(DestinationEvidence, DestinationEvidence.destination_id == Destination.id)
            .join(Evidence, Evidence.id == DestinationEvidence.evidence_id))


def count(f: NationalFilter, user: Any) -> tuple[int, int]:
    """(files, bytes) the selection's zip will hold."""
    files, size = db.session.execute(_query(f, user, [func.count(Evidence.id), func.sum(Evidence.size)])).one()
    return int(files or 0), int(size or 0)


def files(f: NationalFilter, user: Any) -> Iterator[ProofFile]:
    """Each proof file with its place in the zip: 学院/学号_姓名/证明类型-原文件名, streamed from one SELECT."""
    columns = [Department.name.label("college"), Graduate.student_no, Graduate.name, Destination.version_no,
               Destination.is_current, DestinationEvidence.kind, Evidence.id, Evidence.original_name,
               Evidence.storage_key, Evidence.size, Evidence.created_at]
    stmt = _query(f, user, columns).order_by(Department.name, Graduate.student_no, Destination.version_no,
                                              Evidence.id)
    taken: set[str] = set()
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        kind = str(EVIDENCE_KINDS.get(row.kind, row.kind))
        kind = kind.split("，")[0].split(",")[0][:20]  # the short part of the label
        folder = f"{part(row.college)}/{part(row.student_no)}_{part(row.name)}"
        if not row.is_current:
            folder += "/" + part(_("Version %(n)d", n=row.version_no))
        name = part(f"{kind}-{row.original_name}", fallback=f"{row.id}")
        yield ProofFile(row.id, _unique(f"{folder}/{name}", taken), row.storage_key, row.size, row.created_at)


class _Sink(io.RawIOBase):
    """A write-only, unseekable file: zipfile then writes data descriptors and we hand out what it wrote."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip_time(value: Optional[datetime.datetime]) -> tuple[int, int, int, int, int, int]:
    value = value if value and value.year >= 1980 else datetime.datetime(1980, 1, 1)
    return value.timetuple()[:6]


def stream(proofs: Iterator[ProofFile]) -> Iterator[bytes]:
    """The zip, chunk by chunk. Stored, not deflated: photos and PDFs are compressed already. A file missing from
    storage is named in 缺失文件.txt at the end instead of failing the whole download."""
    sink = _Sink()
    missing: list[str] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for proof in proofs:
            try:
                path = uploads.path_of(proof.storage_key)
                source = path.open("rb")
            except (ValueError, OSError):
                missing.append(proof.path)
                continue
            info = zipfile.ZipInfo(proof.path, date_time=_zip_time(proof.created_at))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = proof.size  # lets zipfile pick zip64 only when a file needs it
            with source, zf.open(info, "w", force_zip64=proof.size >= zipfile.ZIP64_LIMIT) as target:
                while True:
                    chunk = source.read(READ_CHUNK)
                    if not chunk:
                        break
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
        if missing:
            zf.writestr(_("Missing files") + ".txt", "\r\n".join(
                [_("These files are recorded but missing from storage:"), *missing]).encode("utf-8"))
    yield sink.take()


def export(f: NationalFilter, user: Any, actor: Any = None) -> Iterator[bytes]:
    """Audit the download (files and bytes) now, then the zip's bytes; the caller streams them to the client."""
    n_files, n_bytes = count(f, user)
    audit.record("export.proof_files", "destination", "", actor=actor, files=n_files, bytes=n_bytes,
                 filter=f.summary())
    db.session.commit()
    return stream(files(f, user))
