"""Registrations entered by hand or imported from Excel, with a row-level report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.utils import timezone

from casework.organization.models import Department
from casework.workbench.spreadsheets import cell_text, cell_value, is_blank, open_sheet, row_report

from .intake import Pusher
from .models import Registration
from .services import receive_registrations

COLUMNS = [
    "登记事件编号",
    "统一社会信用代码",
    "名称",
    "经营范围",
    "登记日期",
    "法定代表人",
    "住所",
    "登记机关代码",  # blank: the authority of the page
    "行政区划代码",  # blank: the authority's own area
]
MAX_ROWS = 5000


class RegistrationForm(forms.Form):
    """人工录入 one registration; the service decides whether the user may push for that authority."""

    event_id = forms.CharField(
        label="登记事件编号", max_length=100, required=False, help_text="留空则自动生成"
    )
    credit_code = forms.CharField(label="统一社会信用代码", max_length=40)
    name = forms.CharField(label="市场主体名称", max_length=200)
    business_scope = forms.CharField(
        label="经营范围", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    registered_on = forms.DateField(label="登记日期", widget=forms.DateInput(attrs={"type": "date"}))
    legal_representative = forms.CharField(label="法定代表人/经营者", max_length=100, required=False)
    address = forms.CharField(label="住所/经营场所", max_length=300, required=False)
    registration_authority = forms.CharField(label="登记机关", max_length=50, required=False)
    division_code = forms.RegexField(
        r"^[0-9]{6}$",
        label="行政区划代码",
        required=False,
        help_text="留空则为登记机关所在地",
        error_messages={"invalid": "应为 6 位数字"},
    )

    def __init__(self, *args, authorities: Sequence[Department] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration_authority"].widget = forms.Select(
            choices=[(d.code, d.name) for d in authorities]
        )


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="第一行为表头：" + "、".join(COLUMNS))


@dataclass(frozen=True)
class RowResult:
    row: int
    event_id: str
    outcome: str  # 新建 / 重复 / 失败
    detail: str


def _cell_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def import_registrations(*, content: bytes, authority: Department, actor: Pusher) -> list[RowResult]:
    """One result per data row; every row stands alone (a bad row never blocks the others).

    ``authority`` is the one a row without 登记机关代码 names; whether ``actor`` may push for
    a row's authority and area is the service's decision, reported as that row's error.
    """
    rows, index = open_sheet(content, columns=COLUMNS, required=COLUMNS[:5])
    return row_report(
        lambda report: _import_rows(rows, index, authority, actor, report),
        lambda number, reason: RowResult(number, "", "失败", reason),
    )


LIMITS = {
    "登记事件编号": 100,
    "名称": 200,
    "住所": 300,
    "法定代表人": 100,
    "经营范围": 5000,
    "登记机关代码": 50,
    "行政区划代码": 6,
}


CHUNK = 200  # rows pushed per transaction


def _import_rows(rows, index, authority, actor: Pusher, results: list[RowResult]) -> None:
    chunk: list[tuple[int, dict]] = []
    try:
        _read_rows(rows, index, authority, actor, results, chunk)
    except ValueError:  # a damaged cell: the rows read before it are still pushed
        _push_chunk(chunk, actor, results)
        raise
    _push_chunk(chunk, actor, results)


def _read_rows(
    rows, index, authority, actor, results: list[RowResult], chunk: list[tuple[int, dict]]
) -> None:
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            results.append(RowResult(number, "", "失败", f"单次最多导入 {MAX_ROWS} 行，其余未处理"))
            break
        if is_blank(values):
            continue
        problem, item = _row_item(values, index, authority)
        if problem is not None:
            results.append(RowResult(number, problem[0], "失败", problem[1]))
            continue
        chunk.append((number, item))
        if len(chunk) >= CHUNK:
            _push_chunk(chunk, actor, results)
            chunk.clear()


def _row_item(values, index, authority) -> tuple[tuple[str, str] | None, dict]:
    """The registration a row holds, or (event id, reason) when the row itself is unusable."""

    def cell(name: str) -> str:
        value = cell_value(values, index, name)
        if name in ("登记机关代码", "行政区划代码") and isinstance(value, int | float):
            return str(int(value))  # 510802 typed into a number cell
        return cell_text(values, index, name)

    code_cell = cell_value(values, index, "统一社会信用代码")
    if isinstance(code_cell, int | float):
        reason = "统一社会信用代码被存成了数字（会丢失位数），请将该列设为文本后重新导入"
        return (cell("登记事件编号"), reason), {}
    too_long = [f"{name}超过 {limit} 字" for name, limit in LIMITS.items() if len(cell(name)) > limit]
    if too_long:
        return (cell("登记事件编号")[:100], "；".join(too_long)), {}
    event_id = cell("登记事件编号")
    registered_on = _cell_date(cell_value(values, index, "登记日期"))
    if not event_id or registered_on is None:
        reason = "缺少登记事件编号" if not event_id else "登记日期无效，应为日期或 YYYY-MM-DD"
        return (event_id, reason), {}
    return None, {
        "event_id": event_id,
        "credit_code": cell("统一社会信用代码"),
        "name": cell("名称"),
        "business_scope": cell("经营范围"),
        "authority_code": cell("登记机关代码") or authority.code,
        "division_code": cell("行政区划代码"),
        "registered_on": registered_on,
        "legal_representative": cell("法定代表人"),
        "address": cell("住所"),
    }


def _push_chunk(chunk: list[tuple[int, dict]], actor: Pusher, results: list[RowResult]) -> None:
    if not chunk:
        return
    received = receive_registrations(
        [item for _, item in chunk], source=Registration.Source.EXCEL, actor=actor
    )
    for (number, item), result in zip(chunk, received, strict=True):
        if result.error is not None:
            results.append(RowResult(number, item["event_id"], "失败", result.error.message))
        else:
            results.append(RowResult(number, item["event_id"], "新建" if result.created else "重复", ""))
    results.sort(key=lambda r: r.row)


def manual_event_id() -> str:
    return f"MANUAL-{timezone.now():%Y%m%d%H%M%S%f}"
