"""Reading lead spreadsheets (CSV and XLSX) and turning their rows into lead fields — no I/O
beyond the bytes given. Chinese Excel writes CSV as GB18030 (GBK), newer tools as UTF-8 with or
without a BOM; XLSX is read with python-calamine. Everything a user can get wrong is reported
in words: the file as a whole (FileProblem) or per row and column (RowProblem)."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import python_calamine

from domain.contact_info import InvalidPhone, is_email, normalize_mobile
from domain.customers import CompanySize
from domain.uscc import InvalidUSCC, validate_uscc

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100

# field → (label shown in templates and errors, header spellings recognised; compared after
# lower-casing and dropping spaces, brackets, * and ：)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "company_name": (
        "公司名称",
        ("公司名称", "公司", "企业名称", "客户名称", "单位名称", "company", "companyname"),
    ),
    "uscc": ("统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码", "uscc", "creditcode")),
    "contact_name": ("联系人", ("联系人", "联系人姓名", "姓名", "contact", "contactname", "name")),
    "title": ("职位", ("职位", "职务", "title", "jobtitle", "position")),
    "mobile": ("手机", ("手机", "手机号", "手机号码", "移动电话", "电话", "mobile", "phone", "mobilephone")),
    "email": ("邮箱", ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail")),
    "province": ("省份", ("省份", "省", "所在省份", "province", "state")),
    "city": ("城市", ("城市", "市", "所在城市", "city")),
    "industry": ("行业", ("行业", "所属行业", "industry")),
    "company_size": (
        "公司规模",
        ("公司规模", "规模", "人员规模", "员工人数", "companysize", "size", "employees"),
    ),
    "product": ("意向产品", ("意向产品", "产品", "感兴趣的产品", "product", "productofinterest")),
    "channel": ("来源渠道", ("来源渠道", "来源", "渠道", "线索来源", "channel", "source")),
    "campaign": ("市场活动", ("市场活动", "活动", "campaign")),
    "notes": ("备注", ("备注", "说明", "notes", "note", "remark", "remarks", "comment")),
}
MAX_LENGTH = {
    "company_name": 200,
    "contact_name": 100,
    "title": 100,
    "industry": 100,
    "product": 100,
    "campaign": 100,
    "notes": 5000,
}
_HEADER_NOTE = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")  # "公司名称*（company_name）"
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-/]+")
_SIZES = {s.value: s.value for s in CompanySize} | {
    "1-19人": "1-19",
    "20-99人": "20-99",
    "100-499人": "100-499",
    "500-999人": "500-999",
    "1000人以上": "1000+",
    "1000以上": "1000+",
}


class FileProblem(ValueError):
    """The file as a whole cannot be imported; the message says why in the user's terms."""


@dataclass(frozen=True, slots=True)
class Table:
    format: str  # csv | xlsx
    encoding: str | None
    headers: list[str]
    rows: list[list[str]]  # data rows as text, header excluded; row i is spreadsheet row i + 2
    formula_cells: frozenset[tuple[int, int]]  # (data row index, column) of formulas (XLSX)


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", _HEADER_NOTE.sub("", text)).lower()


_ALIASES = {_header_key(alias): name for name, (_, aliases) in FIELDS.items() for alias in aliases}


def suggest_mapping(headers: list[str]) -> dict[str, str | None]:
    """header → the lead field it most likely holds (None: not imported). A field goes to the
    first header that names it."""
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        field = _ALIASES.get(_header_key(header))
        if field is not None and field not in taken:
            out[header] = field
            taken.add(field)
        else:
            out[header] = None
    return out


def detect_format(file_name: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("文件不是有效的 XLSX 工作簿 / the file is not a readable XLSX workbook")
    if file_name.lower().endswith(".xls") or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(
            "不支持旧版 .xls，请另存为 .xlsx 或 CSV / old .xls files are not supported: save as .xlsx or CSV"
        )
    return "csv"


def _decode(content: bytes) -> tuple[str, str]:
    if b"\x00" in content[:65536]:
        raise FileProblem(
            "文件不是文本 CSV（含二进制内容）/ the file is not a text CSV (it holds binary data)"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "无法识别文件编码：请保存为 UTF-8 或 GB18030 / the file is neither UTF-8 nor GB18030 text"
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f[ >/]')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _formula_cells(content: bytes) -> frozenset[tuple[int, int]]:
    """(data row, column) of every formula cell of the first worksheet (header row is row 1)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            sheets = sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
            if not sheets:
                return frozenset()
            xml = zf.read(sheets[0])
    except (zipfile.BadZipFile, KeyError):
        return frozenset()
    return frozenset((int(m[2]) - 2, _col_index(m[1])) for m in _FORMULA_CELL.finditer(xml))


def _trim(rows: list[list[str]]) -> list[list[str]]:
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def read_table(file_name: str, content: bytes) -> Table:
    """The header and data rows of the file's first sheet, as text."""
    if not content or not content.strip():
        raise FileProblem("文件是空的 / the file is empty")
    if len(content) > MAX_BYTES:
        raise FileProblem(
            f"文件超过 {MAX_BYTES // 1024 // 1024} MB / the file is larger than {MAX_BYTES // 1024 // 1024} MB"
        )
    fmt = detect_format(file_name, content)
    encoding: str | None = None
    formulas: frozenset[tuple[int, int]] = frozenset()
    if fmt == "xlsx":
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheet = book.get_sheet_by_index(0)
            raw = [[_text(v) for v in row] for row in sheet.iter_rows()]
        except Exception as exc:  # calamine raises several error types for broken workbooks
            raise FileProblem(
                "文件不是有效的 XLSX 工作簿 / the file is not a readable XLSX workbook"
            ) from exc
        formulas = _formula_cells(content)
    else:
        text, encoding = _decode(content)
        try:
            raw = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise FileProblem(f"CSV 格式错误 / the CSV is malformed: {exc}") from exc
    raw = _trim(raw)
    while raw and not any(raw[0]):
        raw.pop(0)
    if not raw:
        raise FileProblem("文件是空的 / the file is empty")
    headers = raw[0]
    while headers and not headers[-1]:
        headers = headers[:-1]
    if not headers or len(headers) > MAX_COLUMNS:
        raise FileProblem("第一行应是列名 / the first row must hold the column names")
    seen: dict[str, int] = {}
    named = []
    for i, h in enumerate(headers):
        h = h or f"列{i + 1}"
        seen[h] = seen.get(h, 0) + 1
        named.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    rows = raw[1:]
    if not rows:
        raise FileProblem("文件只有列名，没有数据行 / the file has column names but no rows")
    if len(rows) > MAX_ROWS:
        raise FileProblem(f"最多 {MAX_ROWS} 行 / at most {MAX_ROWS:,} rows per file")
    junk = sum(1 for h in named if not _ALIASES.get(_header_key(h)))
    if fmt == "csv" and junk == len(named) and len(named) == 1 and len(headers[0]) > 200:
        raise FileProblem(
            "第一行不是列名，文件可能不是 CSV / the first row is not column names: is this a CSV file?"
        )
    return Table(fmt, encoding, named, rows, formulas)


def iter_rows(table: Table, start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """(data row index, cells) from `start`, padded to the header width."""
    width = len(table.headers)
    for index in range(start, len(table.rows)):
        cells = table.rows[index]
        yield index, (cells + [""] * (width - len(cells)))[:width]


@dataclass(frozen=True, slots=True)
class Lookups:
    """Reference data rows are checked against, read once per import."""

    provinces: Mapping[str, str]  # code, name or short name → province code
    cities: Mapping[tuple[str, str], str]  # (province code, code / name / short name) → city code
    city_anywhere: Mapping[str, tuple[str, str]]  # city name → (province, city) when unique
    channels: Mapping[str, str]  # code or name (lower-cased) → channel id


def _short(name: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def build_lookups(
    regions: list[tuple[str, str, int, str | None]], channels: list[tuple[str, str, str]]
) -> Lookups:
    """regions: (code, name, level, parent code); channels: (id, code, name) of active channels."""
    provinces: dict[str, str] = {}
    cities: dict[tuple[str, str], str] = {}
    anywhere: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, _parent in regions:
        if level == 1:
            for key in (code, name, _short(name)):
                provinces[key] = code
    for code, name, level, parent in regions:
        if level == 2 and parent:
            for key in (code, name, _short(name)):
                cities[(parent, key)] = code
                anywhere.setdefault(key, []).append((parent, code))
    unique = {k: v[0] for k, v in anywhere.items() if len(v) == 1}
    chans = {}
    for channel_id, code, name in channels:
        chans[code.lower()] = channel_id
        chans[name.lower()] = channel_id
        for part in name.split("/"):
            chans[part.strip().lower()] = channel_id
    return Lookups(provinces, cities, unique, chans)


@dataclass(frozen=True, slots=True)
class RowProblem:
    column: str | None
    message: str


def to_lead(
    cells: list[str],
    row_index: int,
    headers: list[str],
    mapping: Mapping[str, str],
    defaults: Mapping[str, Any],
    lookups: Lookups,
    formula_cells: frozenset[tuple[int, int]],
) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    """One data row → the lead's fields, or the problems that keep it out (every one found)."""
    problems: list[RowProblem] = []
    values: dict[str, str] = {}
    for col, header in enumerate(headers):
        field = mapping.get(header)
        if not field:
            continue
        value = cells[col]
        if (row_index, col) in formula_cells and not value:
            problems.append(
                RowProblem(
                    header, "公式没有计算结果，请粘贴为数值 / a formula without a saved value: paste values"
                )
            )
            continue
        if value.startswith("="):
            problems.append(
                RowProblem(header, "不导入公式，请粘贴为数值 / formulas are not imported: paste values")
            )
            continue
        values[field] = value
    data: dict[str, Any] = {}
    if not values.get("company_name"):
        problems.append(
            RowProblem(column_of("company_name", mapping), "公司名称必填 / company name is required")
        )
    for field, limit in MAX_LENGTH.items():
        text = values.get(field)
        if text:
            if len(text) > limit:
                problems.append(
                    RowProblem(column_of(field, mapping), f"最多 {limit} 个字 / at most {limit} characters")
                )
            else:
                data[field] = text
    if values.get("mobile"):
        try:
            data["mobile"] = normalize_mobile(values["mobile"])
        except InvalidPhone as exc:
            problems.append(RowProblem(column_of("mobile", mapping), str(exc)))
    if values.get("email"):
        if is_email(values["email"]):
            data["email"] = values["email"].lower()
        else:
            problems.append(
                RowProblem(column_of("email", mapping), "不是邮箱地址 / is not an e-mail address")
            )
    if values.get("uscc"):
        try:
            data["uscc"] = validate_uscc(values["uscc"])
        except InvalidUSCC as exc:
            problems.append(RowProblem(column_of("uscc", mapping), str(exc)))
    if values.get("company_size"):
        size = _SIZES.get(values["company_size"].replace(" ", ""))
        if size is None:
            problems.append(
                RowProblem(
                    column_of("company_size", mapping),
                    f"规模应是 {' / '.join(_SIZES)} 之一 / one of 1-19, 20-99, 100-499, 500-999, 1000+",
                )
            )
        else:
            data["company_size"] = size
    province = values.get("province")
    if province:
        code = lookups.provinces.get(province) or lookups.provinces.get(_short(province))
        if code is None:
            problems.append(
                RowProblem(column_of("province", mapping), f"没有这个省份 / no such province: {province}")
            )
        else:
            data["province_code"] = code
    city = values.get("city")
    if city:
        prov = data.get("province_code")
        if prov:
            code = lookups.cities.get((prov, city)) or lookups.cities.get((prov, _short(city)))
            if code is None:
                problems.append(
                    RowProblem(column_of("city", mapping), f"{city} 不在该省 / not a city of that province")
                )
            else:
                data["city_code"] = code
        elif not province:
            found = lookups.city_anywhere.get(city) or lookups.city_anywhere.get(_short(city))
            if found is None:
                problems.append(
                    RowProblem(column_of("city", mapping), f"没有这个城市 / no such city: {city}")
                )
            else:
                data["province_code"], data["city_code"] = found
    channel = values.get("channel")
    if channel:
        channel_id = lookups.channels.get(channel.lower())
        if channel_id is None:
            problems.append(
                RowProblem(column_of("channel", mapping), f"没有这个来源渠道 / no such channel: {channel}")
            )
        else:
            data["channel_id"] = uuid.UUID(channel_id)
    elif defaults.get("channel_id"):
        data["channel_id"] = defaults["channel_id"]
    if not data.get("product") and defaults.get("product"):
        data["product"] = defaults["product"]
    if not data.get("campaign") and defaults.get("campaign"):
        data["campaign"] = defaults["campaign"]
    return (None if problems else data), problems


def column_of(field: str, mapping: Mapping[str, str]) -> str:
    """The file's column holding a lead field (or the field's label when none does)."""
    return next((h for h, f in mapping.items() if f == field), FIELDS[field][0])


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The import template: Chinese headers (English in brackets) and one example row."""
    headers = [
        f"{label}{'*' if name == 'company_name' else ''}（{name}）" for name, (label, _) in FIELDS.items()
    ]
    example = [
        "深圳市示例科技有限公司",
        "91440300MA5DC12341",
        "张三",
        "采购经理",
        "13800138000",
        "zhangsan@example.com",
        "广东省",
        "深圳市",
        "制造业",
        "100-499",
        "CRM",
        "官网表单",
        "2026 春季展会",
        "展会上留的名片",
    ]
    return headers, [example]
