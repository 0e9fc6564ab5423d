"""EMP-3: the proof-file zip — folders per college and student, Chinese names with the UTF-8 flag, bytes intact,
scoped per role, a selection only, missing files listed, and written in bounded chunks (never a whole file)."""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from app.models.audit import AuditLog
from app.services import proof_zip, uploads
from app.services.national_export import NationalFilter
from tests.services import national_world
from tests.services.national_world import PREFIX, _user, department_name

UTF8_FLAG = 0x800

world = national_world.world


def unzip(chunks: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(chunks)))


def expected(world: Any, who: set[str]) -> dict[str, bytes]:
    """Paths and bytes worked out from the fixture: 学院/学号_姓名/<kind>-<name>."""
    files = {"张三": ("college_a", ["录用通知书.pdf", "工资单（五月）.pdf"], world.evidence["a1"]),
             "赵六": ("college_b", ["录取通知.pdf"], world.evidence["b1"])}
    out = {}
    for name, (college, names, ids) in files.items():
        if name not in who:
            continue
        for original, evidence_id in zip(names, ids):
            from app.extensions import db
            from app.models.change import Evidence

            key = db.session.get(Evidence, evidence_id).storage_key
            out[(department_name(college), f"{world.student_no[name]}_{name}", original)] = \
                uploads.path_of(key).read_bytes()
    return out


def layout(zf: zipfile.ZipFile) -> dict[tuple[str, str, str], bytes]:
    """(college, student folder, original name without the kind prefix) -> bytes."""
    out = {}
    for info in zf.infolist():
        college, student, file_name = info.filename.split("/")
        out[(college, student, file_name.split("-", 1)[1])] = zf.read(info)
    return out


@pytest.mark.parametrize("username, who", [("school", {"张三", "赵六"}), ("college_a", {"张三"}),
                                           ("college_b", {"赵六"})])
def test_folders_per_college_and_student_scoped(ctx: Any, world: Any, username: str, who: set[str]) -> None:
    zf = unzip(proof_zip.export(NationalFilter(cohort_id=world.cohort_id), _user(username)))
    assert zf.testzip() is None
    assert layout(zf) == expected(world, who)


def test_chinese_names_carry_the_utf8_flag(ctx: Any, world: Any) -> None:
    zf = unzip(proof_zip.export(NationalFilter(cohort_id=world.cohort_id), _user("school")))
    infos = zf.infolist()
    assert len(infos) == 3
    for info in infos:
        assert info.flag_bits & UTF8_FLAG, info.filename
        assert info.filename.encode("utf-8").decode("utf-8") == info.filename and PREFIX in info.filename
    raw = b"".join(proof_zip.export(NationalFilter(cohort_id=world.cohort_id), _user("school")))
    assert "录用通知书".encode() in raw  # the names are stored as UTF-8 bytes, not code page 936


def test_a_selection_exports_only_its_destinations_and_is_audited(ctx: Any, world: Any) -> None:
    from app.extensions import db

    before = db.session.execute(select(AuditLog.seq).order_by(AuditLog.seq.desc())).scalars().first() or 0
    f = NationalFilter(destination_ids=[world.destinations["b1"]])
    zf = unzip(proof_zip.export(f, _user("school")))
    assert [k[1] for k in layout(zf)] == [f"{world.student_no['赵六']}_赵六"]
    entry = db.session.execute(select(AuditLog).where(AuditLog.seq > before,
                                                      AuditLog.action == "export.proof_files")).scalar_one()
    assert json.loads(entry.detail)["files"] == 1
    assert list(proof_zip.export(f, _user("college_a"))) and not unzip(
        proof_zip.export(f, _user("college_a"))).infolist()  # another college's selection: an empty zip


def test_missing_files_are_listed_not_fatal(ctx: Any) -> None:
    ghost = proof_zip.ProofFile(1, "学院/学号_姓名/证明-丢失.pdf", "0" * 40, 10, None)
    zf = unzip(proof_zip.stream(iter([ghost])))
    (info,) = zf.infolist()
    assert info.flag_bits & UTF8_FLAG and "学院/学号_姓名/证明-丢失.pdf" in zf.read(info).decode("utf-8")


def test_big_files_go_out_in_bounded_chunks(ctx: Any, tmp_path: Any, app: Any) -> None:
    """A 3 MB file never sits in memory whole: no chunk is larger than one read plus headers."""
    previous = app.config.get("GEMS_EVIDENCE_DIR")
    app.config["GEMS_EVIDENCE_DIR"] = str(tmp_path)
    try:
        key = "ab" * 20
        path = uploads.path_of(key)
        path.parent.mkdir(parents=True)
        data = bytes(range(256)) * (3 * 4096)
        path.write_bytes(data)
        chunks = list(proof_zip.stream(iter([proof_zip.ProofFile(1, "大文件.pdf", key, len(data), None)])))
    finally:
        app.config["GEMS_EVIDENCE_DIR"] = previous
    assert max(len(c) for c in chunks) <= proof_zip.READ_CHUNK + 1024
    assert len(chunks) >= len(data) // proof_zip.READ_CHUNK
    assert unzip(chunks).read("大文件.pdf") == data


def test_path_parts_are_safe_on_windows() -> None:
    assert proof_zip.part('a/b\\c:d*?"<>|') == "a_b_c_d______"
    assert proof_zip.part("CON") == "_CON" and proof_zip.part(" 名字. ") == "名字" and proof_zip.part("") == "_"
