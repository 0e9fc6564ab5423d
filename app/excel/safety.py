"""Refuse zip bombs, XML DTD/entities and non-.xlsx uploads before openpyxl parses them."""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Union

from .i18n import _

Source = Union[str, "os.PathLike[str]", bytes, bytearray, IO[bytes]]

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "utf-16", "utf16"}
)
_ENCODING_DECL = re.compile(r"""^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")


class WorkbookRejected(ValueError):
    """The whole file is refused; ``message`` is user-facing (Simplified Chinese by default)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SafetyLimits:
    """Caps checked against the zip central directory before any XML is parsed."""

    max_entries: int = 10_000
    max_total_uncompressed: int = 200 * 1024 * 1024
    max_entry_ratio: float = 200.0
    ratio_check_min_size: int = 1024 * 1024
    prolog_scan_bytes: int = 64 * 1024


DEFAULT_LIMITS = SafetyLimits()


def not_xlsx_message() -> str:
    return _(
        "文件不是有效的 .xlsx 工作簿。如果它是旧版 .xls 文件或 CSV 文件，"
        "请在 Excel 中“另存为”Excel 工作簿（*.xlsx）后重新上传。"
    )


def open_source(source: Source) -> tuple[IO[bytes], bool]:
    """Return a seekable binary file for ``source`` and whether the caller must close it."""
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, (str, os.PathLike)):
        try:
            return open(source, "rb"), True
        except OSError as exc:
            raise WorkbookRejected(_("无法打开文件：%(name)s", name=os.fspath(source))) from exc
    if not (hasattr(source, "seekable") and source.seekable()):
        return io.BytesIO(source.read()), True
    return source, False


def openpyxl_uses_defusedxml() -> bool:
    """True when openpyxl parses every XML part through defusedxml (entity expansion forbidden)."""
    import openpyxl.xml
    from openpyxl.xml import functions

    return bool(openpyxl.xml.DEFUSEDXML) and functions.iterparse.__module__.startswith("defusedxml")


def check_workbook(source: Source, limits: SafetyLimits | None = None) -> None:
    """Raise :class:`WorkbookRejected` unless ``source`` is a plausible, bounded, DTD-free .xlsx zip."""
    fh, owned = open_source(source)
    start = fh.tell()
    try:
        check_open_file(fh, limits or DEFAULT_LIMITS)
    finally:
        if owned:
            fh.close()
        else:
            fh.seek(start)


_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff_format(fh: IO[bytes], declared: str) -> str:
    """The format to read the file as ('xlsx', 'xls', 'ods' or 'csv'); the caller runs that format's checks.

    The content decides among the workbook formats (a WPS .xls saved as .xlsx is read as what it is); text is
    read as CSV only when the file says it is one, so a renamed text file is still refused. An .ods is known by
    its first zip entry, the uncompressed "mimetype" the OpenDocument standard puts first.
    """
    start = fh.tell()
    head = fh.read(38 + len(_ODS_MIMETYPE))
    fh.seek(start)
    if not head:
        raise WorkbookRejected(_("文件为空，请选择要导入的 .xlsx 工作簿。"))
    if head.startswith(_OLE2_MAGIC):
        return "xls"  # no compression and no XML in BIFF: nothing to inflate or to declare
    if head.startswith(b"PK\x03\x04"):
        return "ods" if head[30:38] == b"mimetype" and head[38:] == _ODS_MIMETYPE else "xlsx"
    if declared == "csv":
        return "csv"
    raise WorkbookRejected(not_xlsx_message())


def check_open_file(fh: IO[bytes], limits: SafetyLimits, *, allow_ods: bool = False) -> None:
    """Run every check on an open seekable file; leaves the position where it found it."""
    start = fh.tell()
    head = fh.read(len(_OLE2_MAGIC))
    fh.seek(start)
    if not head:
        raise WorkbookRejected(_("文件为空，请选择要导入的 .xlsx 工作簿。"))
    if head == _OLE2_MAGIC:
        raise WorkbookRejected(
            _(
                "文件不是有效的 .xlsx 工作簿：它是旧版 .xls 文件，或设置了打开密码。"
                "请取消密码，并在 Excel 中“另存为”Excel 工作簿（*.xlsx）后重新上传。"
            )
        )
    _check_entry_count(fh, limits)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookRejected(not_xlsx_message()) from exc
    try:
        infos = zf.infolist()
        _check_entries(infos, limits)
        for info in infos:
            _check_xml_prolog(zf, info, limits)
        _check_is_spreadsheet(zf, allow_ods)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise WorkbookRejected(_("工作簿已损坏，无法读取。请在 Excel 中重新保存为 .xlsx 后上传。")) from exc
    finally:
        fh.seek(start)


def _check_entry_count(fh: IO[bytes], limits: SafetyLimits) -> None:
    # Read the count from the end-of-central-directory record so a directory with millions of
    # entries is refused before ZipFile builds one ZipInfo object per entry.
    try:
        endrec = zipfile._EndRecData(fh)  # type: ignore[attr-defined]
    except (OSError, ValueError, EOFError):
        endrec = None
    if not endrec:
        raise WorkbookRejected(not_xlsx_message())
    if endrec[zipfile._ECD_ENTRIES_TOTAL] > limits.max_entries:  # type: ignore[attr-defined]
        raise _too_many_entries(limits)


def _too_many_entries(limits: SafetyLimits) -> WorkbookRejected:
    return WorkbookRejected(
        _("工作簿内部文件数量过多（超过 %(limit)s 个），已拒绝。", limit=limits.max_entries)
    )


def _check_entries(infos: list[zipfile.ZipInfo], limits: SafetyLimits) -> None:
    if len(infos) > limits.max_entries:
        raise _too_many_entries(limits)
    names = set()
    total = 0
    for info in infos:
        if info.filename in names:
            raise WorkbookRejected(_("工作簿结构异常（内部文件重名），已拒绝。"))
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise WorkbookRejected(_("工作簿已加密或设置了密码，请取消密码后重新上传。"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookRejected(_("工作簿使用了不支持的压缩方式，请在 Excel 中重新保存为 .xlsx 后上传。"))
        total += info.file_size
        if total > limits.max_total_uncompressed:
            raise WorkbookRejected(
                _(
                    "工作簿解压后过大（超过 %(limit)s MB），已拒绝。请拆分文件后分批导入。",
                    limit=limits.max_total_uncompressed // (1024 * 1024),
                )
            )
        if info.file_size > limits.ratio_check_min_size and info.file_size > limits.max_entry_ratio * max(
            info.compress_size, 1
        ):
            raise WorkbookRejected(_("工作簿的压缩比异常（疑似“压缩炸弹”），已拒绝。"))


def _check_xml_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SafetyLimits) -> None:
    # A DTD (and so any <!ENTITY>) may only appear in the prolog, before the root element,
    # so reading each part's first bytes is enough; non-XML parts (images) are left alone.
    if info.is_dir() or info.file_size == 0:
        return
    with zf.open(info) as part:
        head = part.read(limits.prolog_scan_bytes)
    text = _decode_head(head)
    if text is None:
        return
    match = _ENCODING_DECL.match(text)
    if match and match.group(1).strip().lower() not in _XML_ENCODINGS:
        raise WorkbookRejected(_("工作簿中的 XML 使用了不支持的字符编码，已拒绝。"))
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        if text.startswith("<?", pos):
            terminator = "?>"
        elif text.startswith("<!--", pos):
            terminator = "-->"
        elif text.startswith("<!", pos):
            raise WorkbookRejected(_("工作簿中包含不允许的 XML 声明（DTD/实体），可能是恶意文件，已拒绝。"))
        else:
            return  # the root element (or malformed XML, which the parser refuses)
        end = text.find(terminator, pos + 2)
        if end < 0:
            break
        pos = end + len(terminator)
    if len(head) >= limits.prolog_scan_bytes:
        raise WorkbookRejected(_("工作簿中的 XML 结构异常，已拒绝。"))


def _decode_head(head: bytes) -> str | None:
    """Decode the first bytes of a part if it looks like XML, else None."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise WorkbookRejected(_("工作簿中的 XML 使用了不支持的字符编码，已拒绝。"))
    if head.startswith((b"\xff\xfe", b"<\x00")):
        text = head.decode("utf-16-le", errors="replace").lstrip("\ufeff")
    elif head.startswith((b"\xfe\xff", b"\x00<")):
        text = head.decode("utf-16-be", errors="replace").lstrip("\ufeff")
    else:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return text if text.lstrip().startswith("<") else None


def _check_is_spreadsheet(zf: zipfile.ZipFile, allow_ods: bool = False) -> None:
    names = set(zf.namelist())
    if "mimetype" in names and "content.xml" in names:
        if allow_ods and zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
            return
        raise WorkbookRejected(
            _(
                "这是 OpenDocument 表格（.ods）文件，"
                "请在 WPS 或 Excel 中“另存为”Excel 工作簿（*.xlsx）后重新上传。"
            )
        )
    if "[Content_Types].xml" not in names:
        raise WorkbookRejected(not_xlsx_message())
    with zf.open("[Content_Types].xml") as part:
        content_types = part.read(1024 * 1024)
    if b"sheet.binary.macroEnabled.main" in content_types:
        raise WorkbookRejected(
            _("这是二进制工作簿（.xlsb）文件，请在 Excel 中“另存为”Excel 工作簿（*.xlsx）后重新上传。")
        )
    if b"spreadsheetml" not in content_types and b"ms-excel.sheet" not in content_types:
        raise WorkbookRejected(not_xlsx_message())
