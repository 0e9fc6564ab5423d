"""Hostile and non-.xlsx uploads are refused before openpyxl parses them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from app.excel import SafetyLimits, WorkbookRejected, check_workbook, openpyxl_uses_defusedxml, read_report
from app.excel import reader as reader_module
from tests.excel.helpers import COLUMNS, HEADERS, ID, make_xlsx, rewrite_zip, zip_bytes

DTD = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return make_xlsx(tmp_path / "good.xlsx", [HEADERS, ["001", "张三", ID, None, None, None]])


@pytest.fixture
def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not parse a rejected file")

    monkeypatch.setattr(reader_module.openpyxl, "load_workbook", fail)


def test_good_workbook_passes(good: Path) -> None:
    """A normal openpyxl/Excel workbook is not refused by the safety checks."""
    check_workbook(good)
    check_workbook(good.read_bytes())
    with good.open("rb") as fh:
        fh.seek(0)
        check_workbook(fh)
        assert fh.tell() == 0


def test_non_zip_refused_with_save_as_hint(tmp_path: Path, no_parse: None) -> None:
    """A CSV renamed to .xlsx gets the 'save as .xlsx' message, not a stack trace."""
    csv = tmp_path / "名单.xlsx"
    csv.write_bytes("学号,姓名\n001,张三\n".encode("gbk"))
    report = read_report(csv, columns=COLUMNS)
    assert not report.ok and not report.rows
    assert "不是有效的 .xlsx" in report.file_errors[0] and "另存为" in report.file_errors[0]


def test_old_xls_refused(no_parse: None) -> None:
    """An OLE2 (.xls or password-protected) file is named as such."""
    with pytest.raises(WorkbookRejected, match=r"\.xls"):
        check_workbook(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)


def test_empty_and_foreign_zip_refused() -> None:
    """An empty file and a zip that is not a spreadsheet are refused."""
    with pytest.raises(WorkbookRejected, match="为空"):
        check_workbook(b"")
    with pytest.raises(WorkbookRejected, match="不是有效的 .xlsx"):
        check_workbook(zip_bytes({"readme.txt": b"hello"}))


def test_zip_bomb_entry_refused_before_parsing(good: Path, tmp_path: Path, no_parse: None) -> None:
    """One huge, highly compressed sheet part is refused from the zip directory alone."""

    def inflate(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b"<sheetData>" + b" " * (30 * 1024 * 1024))
        return data

    bomb = rewrite_zip(good, tmp_path / "bomb.xlsx", inflate)
    assert bomb.stat().st_size < 1024 * 1024
    report = read_report(bomb, columns=COLUMNS)
    assert report.file_errors and "压缩炸弹" in report.file_errors[0]


def test_total_uncompressed_size_capped(good: Path) -> None:
    """The sum of declared sizes is capped, and the cap is configurable."""
    with pytest.raises(WorkbookRejected, match="解压后过大"):
        check_workbook(good, SafetyLimits(max_total_uncompressed=1000))


def test_too_many_entries_refused(good: Path, tmp_path: Path, no_parse: None) -> None:
    """A zip with more entries than the cap is refused before ZipFile lists them."""
    extra = {f"xl/media/x{i}.bin": b"" for i in range(10_001)}
    many = rewrite_zip(good, tmp_path / "many.xlsx", lambda n, d: d, extra)
    with pytest.raises(WorkbookRejected, match="文件数量过多"):
        check_workbook(many)
    assert read_report(many, columns=COLUMNS).file_errors


@pytest.mark.parametrize(
    "part",
    [
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
        "xl/sharedStrings.xml",
        "[Content_Types].xml",
        "docProps/app.xml",
    ],
)
def test_dtd_and_entities_refused(good: Path, tmp_path: Path, no_parse: None, part: str) -> None:
    """An XML part carrying <!DOCTYPE ... <!ENTITY (billion laughs, XXE) is refused."""

    def add_dtd(name: str, data: bytes) -> bytes:
        if name == part:
            head, sep, rest = data.partition(b"?>")
            return head + sep + DTD + rest if sep else DTD + data
        return data

    evil = rewrite_zip(
        good,
        tmp_path / "evil.xlsx",
        add_dtd,
        {part: DTD + b"<sst/>"} if part == "xl/sharedStrings.xml" else None,
    )
    report = read_report(evil, columns=COLUMNS)
    assert report.file_errors and "DTD" in report.file_errors[0]


def test_dtd_after_comment_and_in_utf16_refused(good: Path, tmp_path: Path) -> None:
    """Hiding the DTD behind a comment or UTF-16 encoding does not get past the scan."""
    for variant in (
        b'<?xml version="1.0"?><!-- note --> \n' + DTD + b"<workbook/>",
        ('<?xml version="1.0" encoding="UTF-16"?>' + DTD.decode() + "<workbook/>").encode("utf-16"),
    ):
        evil = rewrite_zip(
            good, tmp_path / "evil.xlsx", lambda n, d, v=variant: v if n == "xl/workbook.xml" else d
        )
        with pytest.raises(WorkbookRejected, match="DTD"):
            check_workbook(evil)


def test_openpyxl_itself_uses_defusedxml(good: Path, tmp_path: Path) -> None:
    """Second layer: openpyxl parses through defusedxml, which refuses entities on its own."""
    assert openpyxl_uses_defusedxml()
    evil = rewrite_zip(
        good,
        tmp_path / "evil.xlsx",
        lambda n, d: DTD + d if n == "xl/workbook.xml" else d,
    )
    with pytest.raises(ValueError) as info:
        openpyxl.load_workbook(evil, read_only=True)
    assert isinstance(info.value.__cause__, DefusedXmlException)


def test_encrypted_entry_refused(good: Path, tmp_path: Path) -> None:
    """A zip entry flagged as encrypted is refused with a clear message."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/workbook.xml")
    # Set the encryption bit in the central directory entry of that part.
    name = info.filename.encode()
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        if data[pos + 46 : pos + 46 + len(name)] == name:
            data[pos + 8] |= 0x01
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    with pytest.raises(WorkbookRejected, match="加密"):
        check_workbook(bytes(data))


def test_reader_maps_defusedxml_refusal_when_scan_bypassed(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the prolog scan were skipped, the defusedxml refusal still becomes a clear file error."""
    monkeypatch.setattr(reader_module, "check_open_file", lambda fh, limits: None)
    evil = rewrite_zip(good, tmp_path / "evil.xlsx", lambda n, d: DTD + d if n == "xl/workbook.xml" else d)
    report = read_report(evil, columns=COLUMNS)
    assert report.file_errors and "DTD" in report.file_errors[0]


def test_understated_size_cannot_inflate_past_declaration(good: Path, tmp_path: Path) -> None:
    """Lying about an entry's size in the central directory only truncates it, then fails as corrupt."""
    data = bytearray(good.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46 : pos + 46 + len(name)] != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
    data[pos + 24 : pos + 28] = (40).to_bytes(4, "little")  # uncompressed size
    report = read_report(bytes(data), columns=COLUMNS)
    assert report.file_errors and "损坏" in report.file_errors[0]
