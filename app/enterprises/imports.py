"""Importing the enterprise list from .xlsx or .csv: validate every row, then all or nothing.

Headers are the Chinese column names the office's spreadsheets use. Rows are matched to
existing enterprises by credit code, so re-importing an updated list updates them."""
from dataclasses import dataclass, field
import csv
import io
from pathlib import Path

from sqlalchemy import select

from app.auth.models import Role, User
from app.departments.models import Department, DepartmentKind
from app.enterprises.credit_code import normalize_credit_code
from app.enterprises.models import Enterprise
from app.enterprises.queries import enterprise_by_credit_code
from app.enterprises.operations import enterprise_errors, save_enterprise
from app.extensions import db

HEADERS = {
    "企业名称": "name", "统一社会信用代码": "credit_code", "所属行业": "industry",
    "所属乡镇": "township", "地址": "address", "联系人": "contact_name",
    "联系电话": "contact_phone", "是否监测点": "is_monitoring_point",
    "是否重点企业": "is_key_enterprise", "责任部门": "responsible_department",
    "包联领导": "package_leader",
}
LABELS = {value: key for key, value in HEADERS.items()}
REQUIRED_HEADERS = ("企业名称", "统一社会信用代码")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
MAX_ROWS = 20000


@dataclass
class RowError:
    row: int          # the spreadsheet's row number (the header is row 1)
    field: str        # the column's Chinese name, or "" for the whole file
    message: str

    def __str__(self):
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where}{'【' + self.field + '】' if self.field else ''}：{self.message}"


class ImportRejected(ValueError):
    """The file has problems; nothing was imported. `errors` lists every one."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)}处错误")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    enterprises: list = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 13800138000 as a float
    return str(value).strip()


def _decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: Excel in China saves CSV in GBK."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportRejected([RowError(0, "", "无法识别文件编码，请另存为UTF-8或GBK编码的CSV")])


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the first sheet, header row included."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(_decode_csv(data)))
        try:
            return [(i, [_cell_text(c) for c in row]) for i, row in enumerate(reader, start=1)]
        except csv.Error:  # e.g. a cell over the csv module's 128 KB field limit
            raise ImportRejected([RowError(reader.line_num, "", "CSV格式有误，请用Excel另存为CSV后再导入")]) from None
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged or mislabelled file
            raise ImportRejected([RowError(0, "", "无法读取该Excel文件，请确认是.xlsx格式")])
        sheet = workbook.worksheets[0]
        rows = [(i, [_cell_text(c) for c in row])
                for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        workbook.close()
        return rows
    raise ImportRejected([RowError(0, "", "只支持.xlsx或.csv文件")])


# --- validating ---------------------------------------------------------------------------

def _lookups():
    departments = list(db.session.execute(select(Department)).scalars())
    leaders = list(db.session.execute(
        select(User).where(User.role == Role.leader, User.is_active.is_(True))).scalars())
    return {
        "township": {d.name: d for d in departments if d.kind is DepartmentKind.township}
        | {d.code: d for d in departments if d.kind is DepartmentKind.township},
        "responsible_department": {d.name: d for d in departments} | {d.code: d for d in departments},
        "package_leader": {u.display_name: u for u in leaders} | {u.username: u for u in leaders},
    }


def _parse_bool(text: str):
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def validate_rows(rows) -> tuple[list[tuple[int, dict, Enterprise | None]], list[RowError]]:
    """Turn rows into enterprise values; collect every error of every row."""
    errors: list[RowError] = []
    if not rows:
        return [], [RowError(0, "", "文件是空的")]
    _header_row, header = rows[0]
    columns = {}
    for index, name in enumerate(header):
        name = name.strip().replace(" ", "")
        if name in HEADERS:
            columns[HEADERS[name]] = index
    missing = [h for h in REQUIRED_HEADERS if HEADERS[h] not in columns]
    if missing:
        return [], [RowError(1, h, "缺少此列（表头须为中文列名）") for h in missing]
    if len(rows) - 1 > MAX_ROWS:
        return [], [RowError(0, "", f"一次最多导入{MAX_ROWS}行")]
    lookups = _lookups()
    seen_names: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    parsed = []
    for number, cells in rows[1:]:
        if not any(cells):
            continue  # blank lines at the end of a sheet
        raw = {key: (cells[i] if i < len(cells) else "") for key, i in columns.items()}
        values: dict = {k: raw.get(k) or None for k in ("name", "credit_code", "industry", "address",
                                                          "contact_name", "contact_phone")}
        row_errors: list[RowError] = []
        for key in ("is_monitoring_point", "is_key_enterprise"):
            if key in raw:
                flag = _parse_bool(raw[key])
                if flag is None:
                    row_errors.append(RowError(number, LABELS[key], f"应填“是”或“否”，而不是“{raw[key]}”"))
                values[key] = bool(flag)
        for key in ("township", "responsible_department", "package_leader"):
            text = raw.get(key, "")
            if key in raw:
                values[key] = None
            if text:
                found = lookups[key].get(text)
                if found is None:
                    kind = {"township": "乡镇", "responsible_department": "部门",
                            "package_leader": "包联领导"}[key]
                    row_errors.append(RowError(number, LABELS[key], f"系统中没有名为“{text}”的{kind}"))
                values[key] = found
        code = normalize_credit_code(values["credit_code"] or "")
        existing = enterprise_by_credit_code(code)
        for key, message in enterprise_errors(values, existing).items():
            row_errors.append(RowError(number, LABELS[key], message))
        name = (values["name"] or "").strip()
        if name and name in seen_names:
            row_errors.append(RowError(number, LABELS["name"],
                                       f"企业名称“{name}”与第{seen_names[name]}行重复"))
        if code and code in seen_codes:
            row_errors.append(RowError(number, LABELS["credit_code"],
                                       f"统一社会信用代码与第{seen_codes[code]}行重复"))
        seen_names.setdefault(name, number) if name else None
        seen_codes.setdefault(code, number) if code else None
        errors.extend(row_errors)
        parsed.append((number, values, existing))
    if not parsed and not errors:
        errors.append(RowError(0, "", "文件中没有企业数据"))
    return parsed, errors


# --- importing ----------------------------------------------------------------------------

def import_enterprises(filename: str, data: bytes) -> ImportResult:
    """Validate the whole file, then save every row; flush, never commit (the caller does).

    Raises ImportRejected listing every bad row; then nothing has been written."""
    parsed, errors = validate_rows(read_rows(filename, data))
    if errors:
        raise ImportRejected(errors)
    result = ImportResult()
    for _number, values, existing in parsed:
        result.enterprises.append(save_enterprise(values, existing))
        if existing is None:
            result.created += 1
        else:
            result.updated += 1
    return result


# --- the template the admin downloads -----------------------------------------------------------

TEMPLATE_NOTES = {
    "企业名称": "必填，营业执照上的全称", "统一社会信用代码": "必填，18位",
    "所属行业": "可选", "所属乡镇": "可选，须与系统中的乡镇名称一致",
    "地址": "可选", "联系人": "可选", "联系电话": "可选，手机或座机",
    "是否监测点": "可选，填“是”或“否”", "是否重点企业": "可选，填“是”或“否”",
    "责任部门": "可选，须与系统中的部门名称一致", "包联领导": "可选，须与系统中领导的姓名一致",
}


def template_xlsx() -> bytes:
    """An empty import sheet with the headers `read_rows` expects, and a sheet explaining them;
    every cell through `app.core.documents`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from app.core.documents import row_values
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(row_values(ws, list(HEADERS)))
    for i, header in enumerate(HEADERS, start=1):
        ws.cell(row=1, column=i).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(i)].width = 24 if header in REQUIRED_HEADERS else 14
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(row_values(notes, ["列名", "说明"]))
    for header, note in TEMPLATE_NOTES.items():
        notes.append(row_values(notes, [header, note]))
    notes.append(row_values(notes, ["", "从第2行起每行一家企业；任何一行有错误则整个文件都不导入；"
                                        "已有的企业（按信用代码）会被更新"]))
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 18, 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
