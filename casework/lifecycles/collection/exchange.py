"""外地主体信息交换: records about enterprises registered outside this platform's area (state 外地主体
待交换) are carried out in batches by 市场监管 to the registration area's 公示系统 (seed 003: "在共享交换
平台交换相关信息后，由市工商局交换至公示系统，记于相应企业名下并公示").

- ``prepare_batch`` gathers the waiting records of one registration area (the province, or the city
  when it lies in this platform's own province) that are not in an open batch: 待发送;
- ``mark_sent``: the batch went out (download, or the receiver's system reads it by the API): 已发送;
- ``acknowledge``: the receiver's receipt, per record — accepted records become 已交换至登记地, returned
  ones go back on the waiting list with the receiver's reason, which their provider sees.  Answering
  the same receipt again changes nothing; a different answer to an answered batch is refused.

Every sending keeps its own ``ExchangeItem`` (a record returned and sent again has two), and every
change writes its audit row.  State secrets are never exchanged (they are never published).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.directory.credit_code import check_credit_code
from casework.errors import DomainError, Forbidden
from casework.organization.models import Department, Division
from casework.organization.permissions import Person, is_process_admin, posts
from processes.audit import record
from processes.business_calendar import SHANGHAI

from . import imports, selectors, services
from .models import CollectedRecord, ExchangeBatch, ExchangeItem

State = CollectedRecord.State
BatchState = ExchangeBatch.State
Outcome = ExchangeItem.Outcome
#: Posts of a 市场监管 (登记机关) department that handle the exchange.
EXCHANGE_ROLES = frozenset({"registrar", "reviewer", "officer", "process_admin"})
RECEIVE_PERMISSION = "casework.receive_exchangebatch"
ACCEPT_WORDS = frozenset({"接收", "已接收", "accepted", "accept", "是", "Y", "YES"})
RETURN_WORDS = frozenset({"退回", "returned", "return", "否", "N", "NO"})

# GB/T 2260 province-level areas: the registration area of a code outside this platform's data.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

RECEIPT_SHEET = "接收回执"
RECEIPT_ID = "信息编号"
RECEIPT_RESULT = "接收结果"
RECEIPT_REASON = "退回原因"
RECEIPT_COLUMNS = [
    RECEIPT_ID,
    "信息类别",
    "文书编号",
    "市场主体名称",
    "统一社会信用代码",
    RECEIPT_RESULT,
    RECEIPT_REASON,
]


class ExchangeRefused(DomainError):
    code = "exchange_refused"


class NothingToExchange(ExchangeRefused):
    code = "exchange_nothing_waiting"


class BatchStateConflict(ExchangeRefused):
    code = "exchange_batch_state"
    status = 409


class AckInvalid(ExchangeRefused):
    """A receipt that does not fit its batch; ``code`` names the problem."""

    code = "exchange_ack_invalid"

    def __init__(self, message: str, *, code: str, details: dict) -> None:
        super().__init__(message, details=details)
        self.code = code


# --- areas ----------------------------------------------------------------------------------------


def area_name(code: str) -> str:
    """An area's name: the platform's division data, else the province (a city elsewhere keeps its code)."""
    known = Division.objects.filter(code=code).values_list("name", flat=True).first()
    if known:
        return known
    province = PROVINCES.get(code[:2], "")
    if code[2:] == "0000":
        return province or f"行政区划 {code}"
    return f"{province}（行政区划 {code}）" if province else f"行政区划 {code}"


def target_code(credit_code: str) -> str:
    """The registration area a record is exchanged to: the 登记管理机关行政区划码 (digits 3-8) at
    province level, or at city level when it lies in this platform's own province."""
    division = check_credit_code(credit_code).division_code or credit_code[2:8]
    area = services.platform_area()
    if area and division[:2] == area[:2]:
        return division[:4] + "00"
    return division[:2] + "0000"


# --- who ---------------------------------------------------------------------------------------------


def exchange_departments(user: Person) -> list[Department]:
    """The 市场监管 (登记机关) departments where the user handles the exchange."""
    codes = {code for code, role in posts(user) if role in EXCHANGE_ROLES}
    return list(
        Department.objects.filter(code__in=codes, kind=Department.Kind.REGISTRAR).order_by("level", "code")
    )


def may_exchange(user: Person) -> bool:
    return is_process_admin(user) or bool(exchange_departments(user))


def may_receive(user: Person) -> bool:
    """The registration area's system account (the permission), or 市场监管 staff."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_perm(RECEIVE_PERMISSION) or may_exchange(user)
    )


def _area_q(areas: list[str]) -> Q:
    """Records whose provider lies in one of ``areas`` (a 市场监管 department's area and below)."""
    q = Q(pk__in=[])
    for area in areas:
        prefix = area.rstrip("0")
        q |= Q(area_code__startswith=prefix[: max(2, len(prefix) + len(prefix) % 2)])
    return q


def _scope(user: Person, department: Department | None = None) -> Q | None:
    """None: every record (a process admin); else the areas of the user's exchange departments."""
    if department is not None:
        return _area_q([department.division_code])
    if is_process_admin(user):
        return None
    return _area_q([d.division_code for d in exchange_departments(user)])


# --- reads ---------------------------------------------------------------------------------------------


def _open_item() -> Exists:
    return Exists(
        ExchangeItem.objects.filter(
            record=OuterRef("pk"), batch__state__in=(BatchState.PENDING, BatchState.SENT)
        )
    )


def waiting_records(user: Person, department: Department | None = None) -> QuerySet[CollectedRecord]:
    """Outbound records not in an open batch (state secrets are never exchanged)."""
    qs = CollectedRecord.objects.filter(state=State.OUTBOUND, secret=False).exclude(_open_item())
    scope = _scope(user, department)
    if scope is not None:
        qs = qs.filter(scope)
    return qs.select_related("provider").order_by("collected_at", "pk")


def secret_outbound_count(user: Person) -> int:
    qs = CollectedRecord.objects.filter(state=State.OUTBOUND, secret=True)
    scope = _scope(user)
    return (qs.filter(scope) if scope is not None else qs).count()


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    count: int
    records: list[CollectedRecord]


def waiting_by_area(user: Person, *, shown: int = 20) -> list[Area]:
    """The waiting list grouped by registration area, the largest first (``shown`` records each)."""
    groups: dict[str, list[CollectedRecord]] = {}
    for item in waiting_records(user):
        groups.setdefault(target_code(item.credit_code), []).append(item)
    last = last_returns([r.pk for rows in groups.values() for r in rows[:shown]])
    for rows in groups.values():
        for item in rows[:shown]:
            item.last_return = last.get(item.pk)  # type: ignore[attr-defined]
    areas = [Area(code, area_name(code), len(rows), rows[:shown]) for code, rows in groups.items()]
    return sorted(areas, key=lambda a: (-a.count, a.code))


def last_returns(record_ids: list[int]) -> dict[int, ExchangeItem]:
    """Each record's latest returned sending (the receiver's reason), if its latest answer was a return."""
    latest: dict[int, ExchangeItem] = {}
    answered = (
        ExchangeItem.objects.filter(record_id__in=record_ids)
        .exclude(outcome=Outcome.WAITING)
        .select_related("batch")
        .order_by("record_id", "-answered_at", "-pk")
    )
    for item in answered:
        latest.setdefault(item.record_id, item)
    return {pk: item for pk, item in latest.items() if item.outcome == Outcome.RETURNED}


def visible_batches(user: Person) -> QuerySet[ExchangeBatch]:
    """市场监管: its departments' batches (a process admin: all); the receiving system: the sent ones."""
    qs = ExchangeBatch.objects.select_related("department", "created_by")
    if is_process_admin(user):
        return qs
    own = exchange_departments(user)
    q = Q(department__in=own)
    if user.has_perm(RECEIVE_PERMISSION):
        q |= ~Q(state=BatchState.PENDING)
    return qs.filter(q) if (own or user.has_perm(RECEIVE_PERMISSION)) else qs.none()


def batch_for(user: Person, number: str) -> ExchangeBatch | None:
    return visible_batches(user).filter(number=number).first()


def items_of(batch: ExchangeBatch) -> list[ExchangeItem]:
    return list(batch.items.select_related("record", "record__provider").order_by("pk"))


def exchange_history(user: Person, item: CollectedRecord) -> list[ExchangeItem]:
    """A record's sendings, for its provider and 市场监管 (the record page)."""
    if not (services.may_manage(user, item) or may_exchange(user)):
        return []
    return list(item.exchange_items.select_related("batch").order_by("-pk"))


# --- actions ----------------------------------------------------------------------------------------


def _department(actor: Person, department: Department | None) -> Department:
    own = exchange_departments(actor)
    if department is None:
        if not own:
            raise Forbidden("仅市场监管部门（登记机关）的工作人员可以组织外地主体信息交换")
        return own[0]
    if department not in own:
        raise Forbidden(f"您不是{department.name}的工作人员，不能以其名义组织交换")
    return department


def _number(department: Department) -> str:
    day = timezone.now().astimezone(SHANGHAI).strftime("%Y%m%d")
    stem = f"JH-{department.division_code or department.code}-{day}-"
    taken = ExchangeBatch.objects.filter(number__startswith=stem).count()
    return f"{stem}{taken + 1:03d}"


def prepare_batch(actor: Person, area: str, *, department: Department | None = None) -> ExchangeBatch:
    """组批: every waiting record of registration area ``area`` in the department's area, in one batch."""
    department = _department(actor, department)
    with transaction.atomic():
        Department.objects.select_for_update().get(pk=department.pk)  # one batch at a time per department
        candidates = list(
            waiting_records(actor, department)
            .select_for_update(of=("self",))
            .values_list("pk", "credit_code")
        )
        ids = [pk for pk, code in candidates if target_code(code) == area]
        # Read again once the rows are locked: a batch made meanwhile has taken its records.
        taken = set(
            ExchangeItem.objects.filter(
                record_id__in=ids, batch__state__in=(BatchState.PENDING, BatchState.SENT)
            ).values_list("record_id", flat=True)
        )
        records = list(
            CollectedRecord.objects.filter(pk__in=[i for i in ids if i not in taken]).order_by(
                "collected_at", "pk"
            )
        )
        if not records:
            raise NothingToExchange(
                f"{area_name(area)}没有待交换的信息", details={"area": "没有待交换的信息"}
            )
        batch = ExchangeBatch.objects.create(
            number=_number(department),
            department=department,
            target_code=area,
            target_name=area_name(area),
            record_count=len(records),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        ExchangeItem.objects.bulk_create(
            [ExchangeItem(batch=batch, record=item, version=item.version) for item in records]
        )
        record(
            "exchange_batch_created",
            actor=actor,
            batch=batch.number,
            target=area,
            target_name=batch.target_name,
            records=[item.pk for item in records],
        )
    return batch


def _manageable(actor: Person, batch: ExchangeBatch) -> None:
    if not (is_process_admin(actor) or batch.department in exchange_departments(actor)):
        raise Forbidden(f"批次 {batch.number} 由{batch.department.name}办理")


def mark_sent(batch: ExchangeBatch, actor: Person) -> ExchangeBatch:
    """发送: the batch went out to the registration area (sending it twice changes nothing)."""
    _manageable(actor, batch)
    with transaction.atomic():
        batch = ExchangeBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state == BatchState.SENT:
            return batch
        if batch.state != BatchState.PENDING:
            raise BatchStateConflict(
                f"批次 {batch.number} {batch.get_state_display()}，不能再发送", details={"state": batch.state}
            )
        batch.state, batch.sent_at = BatchState.SENT, timezone.now()
        batch.sent_by = actor if getattr(actor, "pk", None) else None
        batch.save(update_fields=["state", "sent_at", "sent_by"])
        record("exchange_batch_sent", actor=actor, batch=batch.number, target=batch.target_code)
    return batch


@dataclass(frozen=True)
class Acknowledged:
    batch: ExchangeBatch
    unchanged: bool


def _ids(values: Any, what: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise AckInvalid(
            f"{what}应为信息编号（整数）的列表", code="exchange_ack_malformed", details={what: "应为整数列表"}
        ) from None


def _checked(
    batch: ExchangeBatch, items: list[ExchangeItem], accepted: Any, returned: Any
) -> tuple[set[int], dict[int, str]]:
    if not isinstance(returned, dict):
        raise AckInvalid(
            "returned 应为“信息编号 → 退回原因”的对象",
            code="exchange_ack_malformed",
            details={"returned": "应为对象"},
        )
    if isinstance(accepted, (str, bytes, dict)) or not hasattr(accepted, "__iter__"):
        raise AckInvalid(
            "accepted 应为信息编号的列表", code="exchange_ack_malformed", details={"accepted": "应为列表"}
        )
    accepted_ids = set(_ids(accepted, "accepted"))
    reasons = dict(zip(_ids(list(returned), "returned"), returned.values(), strict=True))
    in_batch = {item.record_id for item in items}
    unknown = sorted((accepted_ids | set(reasons)) - in_batch)
    if unknown:
        raise AckInvalid(
            f"回执中有 {len(unknown)} 条信息不在批次 {batch.number} 中：{'、'.join(map(str, unknown))}",
            code="exchange_ack_unknown_record",
            details={"unknown": unknown},
        )
    both = sorted(accepted_ids & set(reasons))
    if both:
        raise AckInvalid(
            f"信息 {'、'.join(map(str, both))} 同时被接收和退回",
            code="exchange_ack_conflicting",
            details={"both": both},
        )
    blank = sorted(pk for pk, reason in reasons.items() if not str(reason or "").strip())
    if blank:
        raise AckInvalid(
            f"退回须说明原因：信息 {'、'.join(map(str, blank))} 没有退回原因",
            code="exchange_ack_reason_required",
            details={"returned": {str(pk): "请填写退回原因" for pk in blank}},
        )
    missing = sorted(in_batch - accepted_ids - set(reasons))
    if missing:
        raise AckInvalid(
            f"回执须逐条答复：还有 {len(missing)} 条信息未答复（{'、'.join(map(str, missing))}）",
            code="exchange_ack_incomplete",
            details={"missing": missing},
        )
    return accepted_ids, {pk: str(reason).strip()[:500] for pk, reason in reasons.items()}


def acknowledge(
    batch: ExchangeBatch,
    accepted_ids: Any,
    returned: Any,
    *,
    actor: Person,
    message: str = "",
) -> Acknowledged:
    """登记回执: accepted records are 已交换至登记地, returned ones wait again with the reason."""
    if not may_receive(actor):
        raise Forbidden("仅登记地系统或市场监管部门可以登记交换回执")
    if not (is_process_admin(actor) or actor.has_perm(RECEIVE_PERMISSION)):
        _manageable(actor, batch)
    with transaction.atomic():
        batch = ExchangeBatch.objects.select_for_update().select_related("department").get(pk=batch.pk)
        items = list(batch.items.select_related("record").order_by("pk"))
        accepted, reasons = _checked(batch, items, accepted_ids, returned)
        if batch.state in (BatchState.ACKNOWLEDGED, BatchState.RETURNED):
            given = {i.record_id: (i.outcome, i.reason) for i in items}
            asked = {pk: (Outcome.ACCEPTED, "") for pk in accepted} | {
                pk: (Outcome.RETURNED, reason) for pk, reason in reasons.items()
            }
            if given == asked:
                return Acknowledged(batch, unchanged=True)
            raise BatchStateConflict(
                f"批次 {batch.number} 已于 {batch.acknowledged_at:%Y-%m-%d %H:%M} 登记回执，不能改变答复",
                details={"state": batch.state},
            )
        if batch.state != BatchState.SENT:
            raise BatchStateConflict(
                f"批次 {batch.number} 尚未发送，不能登记回执", details={"state": batch.state}
            )
        now = timezone.now()
        for item in items:
            if item.record_id in accepted:
                item.outcome, item.reason = Outcome.ACCEPTED, ""
            else:
                item.outcome, item.reason = Outcome.RETURNED, reasons[item.record_id]
            item.answered_at = now
            _answer_record(item, batch, actor)
        ExchangeItem.objects.bulk_update(items, ["outcome", "reason", "answered_at"])
        batch.accepted_count, batch.returned_count = len(accepted), len(reasons)
        batch.state = BatchState.ACKNOWLEDGED if accepted else BatchState.RETURNED
        batch.acknowledged_at = now
        batch.acknowledged_by = actor if getattr(actor, "pk", None) else None
        batch.receiver_message = (message or "").strip()
        batch.save()
        record(
            "exchange_batch_acknowledged",
            actor=actor,
            batch=batch.number,
            accepted=sorted(accepted),
            returned={str(k): v for k, v in sorted(reasons.items())},
            message=batch.receiver_message,
        )
    return Acknowledged(batch, unchanged=False)


def _answer_record(item: ExchangeItem, batch: ExchangeBatch, actor: Person) -> None:
    target = CollectedRecord.objects.select_for_update().get(pk=item.record_id)
    if item.outcome == Outcome.RETURNED:
        record(
            "record_exchange_returned",
            actor=actor,
            record_id=target.pk,
            batch=batch.number,
            reason=item.reason,
        )
        return
    # A newer version reported while the batch was out still waits to be exchanged.
    if target.state == State.OUTBOUND and target.version == item.version:
        target.state = State.EXCHANGED
        target.save(update_fields=["state", "updated_at"])
    record(
        "record_exchanged",
        actor=actor,
        record_id=target.pk,
        batch=batch.number,
        version=item.version,
        target=batch.target_code,
        state=target.state,
    )


# --- the batch as the receiver reads it -------------------------------------------------------------


def record_document(item: CollectedRecord) -> dict:
    """One record in the format spec's fields, unmasked (government to government)."""
    spec = services.type_spec(item.record_type)
    return {
        "id": item.pk,
        "record_type": item.record_type,
        "type_name": item.type_name,
        "format_version": item.format_version,
        "version": item.version,
        "provider": item.provider.code,
        "provider_name": item.provider.name,
        "credit_code": item.credit_code,
        "enterprise_name": item.enterprise_name,
        "document_number": item.document_number,
        "produced_on": item.produced_on.isoformat() if item.produced_on else None,
        "sensitive": item.sensitive,
        "values": item.values,
        "labelled": [
            {"label": label, "value": value} for label, value in selectors.labelled(spec, item.values)
        ],
    }


def batch_summary(batch: ExchangeBatch) -> dict:
    return {
        "number": batch.number,
        "department": batch.department.code,
        "department_name": batch.department.name,
        "target_code": batch.target_code,
        "target_name": batch.target_name,
        "record_count": batch.record_count,
        "state": batch.state,
        "state_display": batch.get_state_display(),
        "created_at": batch.created_at.isoformat(),
        "sent_at": batch.sent_at.isoformat() if batch.sent_at else None,
        "acknowledged_at": batch.acknowledged_at.isoformat() if batch.acknowledged_at else None,
        "accepted_count": batch.accepted_count,
        "returned_count": batch.returned_count,
        "receiver_message": batch.receiver_message,
    }


def batch_document(batch: ExchangeBatch) -> dict:
    """The batch with its records (the JSON download and the API's batch)."""
    items = items_of(batch)
    return {
        **batch_summary(batch),
        "records": [
            {
                **record_document(item.record),
                "sent_version": item.version,
                "outcome": item.outcome,
                "reason": item.reason,
            }
            for item in items
        ],
    }


def batch_workbook(batch: ExchangeBatch) -> bytes:
    """The batch as .xlsx: first the receipt sheet (one line per record: the receiver fills 接收结果
    and 退回原因 and sends it back), then one sheet per record type in the import template's columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    items = items_of(batch)
    book = Workbook()
    receipt = book.active
    receipt.title = RECEIPT_SHEET
    receipt.append(RECEIPT_COLUMNS)
    for item in items:
        rec = item.record
        answer = {Outcome.ACCEPTED: "接收", Outcome.RETURNED: "退回"}.get(item.outcome, "")  # type: ignore[call-overload]
        receipt.append(
            [
                rec.pk,
                rec.type_name,
                rec.document_number,
                rec.enterprise_name,
                rec.credit_code,
                answer,
                item.reason,
            ]
        )
    for cell in receipt[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (10, 16, 28, 36, 22, 10, 40), strict=True):
        receipt.column_dimensions[letter].width = width
    receipt.append([])
    receipt.append([f"批次 {batch.number}：请在“{RECEIPT_RESULT}”列逐条填写“接收”或“退回”，退回的填写原因"])
    by_type: dict[str, list[CollectedRecord]] = {}
    for item in items:
        by_type.setdefault(item.record.record_type, []).append(item.record)
    for code, rows in by_type.items():
        spec = services.type_spec(code)
        sheet = book.create_sheet(spec["name"][:31])
        header = [RECEIPT_ID, *imports.columns(spec), "提供部门", "版本"]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2 + 2)
        for rec in rows:
            fields = {f["label"]: f for f in spec.get("fields", [])}
            shown = [
                selectors.shown_value(fields[label], rec.values.get(fields[label]["name"]))
                for label in fields
            ]
            sheet.append(
                [
                    rec.pk,
                    rec.credit_code,
                    rec.enterprise_name,
                    *shown,
                    "是" if rec.secret else "",
                    "是" if rec.sensitive else "",
                    rec.provider.name,
                    rec.version,
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_receipt(content: bytes, name: str) -> tuple[list[int], dict[int, str], str]:
    """A receipt the receiver sent back: the batch workbook's 接收回执 sheet filled in, or the JSON the
    API takes (``{"accepted": [...], "returned": {id: reason}, "message": ""}``)."""
    import json

    from casework.workbench.spreadsheets import cell_text, cell_value, is_blank, open_sheet

    if (name or "").lower().endswith(".json"):
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise AckInvalid(
                f"回执不是有效的 JSON：{exc}", code="exchange_ack_malformed", details={"file": "无法解析"}
            ) from None
        if not isinstance(data, dict):
            raise AckInvalid(
                "回执应为 JSON 对象", code="exchange_ack_malformed", details={"file": "应为对象"}
            )
        return data.get("accepted", []), data.get("returned", {}), str(data.get("message") or "")
    if not (name or "").lower().endswith(".xlsx"):
        raise AckInvalid(
            "请上传 .xlsx 或 .json 回执", code="exchange_ack_malformed", details={"file": "格式不支持"}
        )
    rows, index = open_sheet(content, columns=RECEIPT_COLUMNS, required=[RECEIPT_ID, RECEIPT_RESULT])
    accepted: list[int] = []
    returned: dict[int, str] = {}
    unclear: list[str] = []
    for number, row in enumerate(rows, start=2):
        if is_blank(row):
            continue
        raw_id = cell_value(row, index, RECEIPT_ID)
        if not isinstance(raw_id, int) and not str(raw_id or "").strip().isdigit():
            continue  # the note under the table
        pk = int(str(raw_id).strip())
        answer = cell_text(row, index, RECEIPT_RESULT).upper()
        if answer in {w.upper() for w in ACCEPT_WORDS}:
            accepted.append(pk)
        elif answer in {w.upper() for w in RETURN_WORDS}:
            returned[pk] = cell_text(row, index, RECEIPT_REASON)
        else:
            unclear.append(f"第 {number} 行")
    if unclear:
        raise AckInvalid(
            f"{'、'.join(unclear[:10])}的“{RECEIPT_RESULT}”应填“接收”或“退回”",
            code="exchange_ack_malformed",
            details={"rows": unclear},
        )
    return accepted, returned, ""


def counts(user: Person) -> Counter:
    """Batches by state, for the page's summary."""
    return Counter(visible_batches(user).values_list("state", flat=True))
