"""Registrations entered by hand or imported from Excel, with a row-level report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from casework.errors import UserFacingError
from casework.organization.models import Department
from casework.workbench.dates import DateField, InvalidDate, parse_date
from casework.workbench.spreadsheets import cell_text, cell_value, is_blank, open_sheet, row_report

from .intake import PILOT_CONFIRMATION, Pusher, UnconfirmedCreditCode, confirmed_pilot_code
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
    "试点期代码确认",  # 是: the credit code's failing check characters are a pilot code's
]
PILOT_COLUMN = "试点期代码确认"
YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√", "✓", "确认"})
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
    registered_on = DateField(label="登记日期")
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
    confirm_pilot_code = forms.BooleanField(
        label=PILOT_CONFIRMATION,
        required=False,
        help_text="仅当代码校验位不符、且确为登记机关早期核发的试点期代码时勾选；确认将记入审计",
    )

    def __init__(self, *args, authorities: Sequence[Department] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration_authority"].widget = forms.Select(
            choices=[(d.code, d.name) for d in authorities]
        )

    def clean(self) -> dict[str, Any]:
        """A code whose check characters fail is flagged here already (the service's rule), so
        the registrar reads the warning and the confirmation box with any other field's error."""
        data = super().clean() or {}
        if data.get("credit_code"):
            try:
                confirmed_pilot_code(data)
            except UnconfirmedCreditCode as exc:
                for field, problems in exc.details.items():
                    for problem in problems:
                        self.add_error(field, problem)
        return data

    @property
    def asks_pilot_confirmation(self) -> bool:
        """Show the confirmation box: the code was flagged, or the registrar already ticked it."""
        return self.is_bound and bool(
            self.errors.get("confirm_pilot_code") or self["confirm_pilot_code"].value()
        )


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="第一行为表头：" + "、".join(COLUMNS))


@dataclass(frozen=True)
class RowResult:
    row: int
    event_id: str
    outcome: str  # 新建 / 重复 / 失败
    detail: str


def _cell_date(value) -> date | str:
    """The 登记日期 cell's date (a date cell, or text as ``workbench.dates`` reads it), or why not."""
    try:
        parsed = parse_date(value)
    except InvalidDate as exc:
        return f"登记日期无效：{exc}"
    return parsed if parsed is not None else "缺少登记日期"


def _confirmed(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().upper() in YES


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
    if not event_id or not isinstance(registered_on, date):
        return (event_id, "缺少登记事件编号" if not event_id else str(registered_on)), {}
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
        "confirm_pilot_code": _confirmed(cell_value(values, index, PILOT_COLUMN)),
    }


def _push_chunk(chunk: list[tuple[int, dict]], actor: Pusher, results: list[RowResult]) -> None:
    if not chunk:
        return
    received = receive_registrations(
        [item for _, item in chunk], source=Registration.Source.EXCEL, actor=actor
    )
    for (number, item), result in zip(chunk, received, strict=True):
        if result.error is not None:
            results.append(RowResult(number, item["event_id"], "失败", _reason(result.error)))
        else:
            assert result.registration is not None
            warning = result.registration.enterprise.credit_code_warning
            detail = f"试点期代码，已确认（{warning}）" if result.created and warning else ""
            results.append(RowResult(number, item["event_id"], "新建" if result.created else "重复", detail))
    results.sort(key=lambda r: r.row)


def _reason(error: UserFacingError) -> str:
    """The service's refusal, with what to do in the sheet when it is an unconfirmed pilot code."""
    if isinstance(error, UnconfirmedCreditCode):
        return f"{error.message}；确认无误的，请在“{PILOT_COLUMN}”列填“是”后重新导入"
    return error.message


def manual_event_id() -> str:
    return f"MANUAL-{timezone.now():%Y%m%d%H%M%S%f}"
