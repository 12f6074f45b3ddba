"""更正 of a published record (``bpmn/error_correction.bpmn``): the second process of 归集公示.

Opened by the provider (it found an error), by a public objection (异议, from the portal), or by
the platform operator (process admin).  The provider's officer submits the corrected fields
within ``clock("correct")`` — or finds the record right (核实无误) — and the area's 市场监管
reviewer decides.  Agreed, the correction is a new version of the record (note 更正), the record
stays published and the portal shows the corrected values; every version is kept.  The
objection, if any, is closed with its outcome (the receipt page shows it).

It lives in the collection folder because it changes a collected record: a lifecycle of its own
would have to name this one, which the layout forbids (tests/test_boundaries.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework.errors import DomainError, Forbidden
from casework.organization.divisions import chain_up
from casework.organization.models import Department
from casework.organization.permissions import Person, is_process_admin
from casework.portal.models import Objection
from casework.portal.services import close_objection
from casework.workbench import extensions
from processes import engine
from processes.audit import record
from processes.business_calendar import SHANGHAI
from processes.models import HumanTask, ProcessInstance

from . import record_types, services
from .models import CollectedRecord, RecordCorrection
from .public import ID_PREFIX
from .selectors import shown_value

PROCESS = "error_correction"
PERIOD_CHANGED = "collection_period_changed"  # caught by the record's collection case (bpmn/collection.bpmn)
SUBMIT = "submit_correction"
REVIEW = "review_correction"
Origin = RecordCorrection.Origin
Decision = RecordCorrection.Decision
Stage = RecordCorrection.State
AGREE, SEND_BACK = "agree", "send_back"


class CorrectionRefused(DomainError):
    code = "correction_refused"


# --- who decides, who may open ---------------------------------------------------------------


def market_supervision(area_code: str) -> Department:
    """The 市场监管 department (登记机关) of the record's area, or the nearest one above it."""
    registrars = {
        d.division_code: d
        for d in Department.objects.filter(
            kind=Department.Kind.REGISTRAR, division_code__in=chain_up(area_code)
        )
    }
    for division in chain_up(area_code):
        if division in registrars:
            return registrars[division]
    fallback = Department.objects.filter(kind=Department.Kind.REGISTRAR).order_by("level", "code").first()
    if fallback is None:
        raise CorrectionRefused("平台尚未设置市场监管部门，无法审核更正")
    return fallback


def open_correction_of(item: CollectedRecord) -> RecordCorrection | None:
    return item.corrections.filter(state__in=(Stage.SUBMITTING, Stage.REVIEWING)).first()


def origin_for(user: Person, item: CollectedRecord) -> str | None:
    """How ``user`` would open a correction of ``item``: as its provider, as the operator, or not at all."""
    if item.provider.code in services.provider_departments(user):
        return Origin.PROVIDER
    if is_process_admin(user):
        return Origin.OPERATOR
    return None


def may_open(user: Person, item: CollectedRecord) -> bool:
    return (
        item.state == CollectedRecord.State.PUBLISHED
        and origin_for(user, item) is not None
        and open_correction_of(item) is None
    )


def waiting_objections(item: CollectedRecord):
    """Objections to this record not yet taken into a correction (one came while another was open)."""
    return Objection.objects.filter(
        record_id=f"{ID_PREFIX}{item.pk}", state=Objection.State.RECEIVED
    ).order_by("created_at", "pk")


# --- opening ----------------------------------------------------------------------------------


def open_correction(
    *,
    item: CollectedRecord,
    reason: str,
    actor: Person | None,
    objection: Objection | None = None,
) -> RecordCorrection:
    """Start a correction case of a published record; the origin follows from who opens it.

    The public's objection opens it without an actor; a provider officer opens it for an error
    their department found; a process admin opens it as the operator, or takes an objection
    (``objection``) into it.
    """
    reason = (reason or "").strip()
    origin: str
    if objection is not None:
        origin = Origin.OBJECTION
        if objection.record_id != f"{ID_PREFIX}{item.pk}":
            raise CorrectionRefused("该异议不是针对这条信息的", details={"objection": "不匹配"})
        if objection.state != Objection.State.RECEIVED:
            raise CorrectionRefused(
                f"异议 {objection.number} 已在办理或已办结", details={"objection": objection.state}
            )
        if actor is not None and not is_process_admin(actor):
            raise Forbidden("只有平台运营方（流程管理员）可以将公众异议转为更正")
        reason = reason or objection.description.strip()
    else:
        found = origin_for(actor, item) if actor is not None else None
        if found is None:
            raise Forbidden("只能对本部门报送的信息申请更正", details={"record": "不是您的部门"})
        origin = found
    if not reason:
        raise CorrectionRefused("请说明发现的错误", details={"reason": "不能为空"})
    with transaction.atomic():
        item = CollectedRecord.objects.select_for_update().select_related("provider").get(pk=item.pk)
        if item.state != CollectedRecord.State.PUBLISHED:
            raise CorrectionRefused(
                f"只有已公示的信息可以更正（当前：{item.get_state_display()}）", details={"state": item.state}
            )
        if open_correction_of(item) is not None:
            raise CorrectionRefused(
                "这条信息已有正在办理的更正，请在其办结后再申请", details={"record": "更正中"}
            )
        reviewer = market_supervision(item.area_code or item.provider.division_code)
        correction = RecordCorrection.objects.create(
            record=item,
            origin=origin,
            objection=objection,
            reason=reason[:2000],
            reviewer_department=reviewer.code,
            from_version=item.version,
            opened_by=actor if getattr(actor, "pk", None) else None,
        )
        if objection is not None:
            objection.state = Objection.State.HANDLING
            objection.save(update_fields=["state", "updated_at"])
        instance = engine.start_process(
            key=PROCESS,
            data={
                "record_id": item.pk,
                "correction_id": correction.pk,
                "provider": item.provider.code,
                "reviewer_department": reviewer.code,
                "origin": origin,
                "objection_number": objection.number if objection else "",
            },
            business_key=f"GZ-{item.pk}-{correction.pk}",
            title=f"{item.enterprise_name} · {item.type_name}更正",
            actor=actor if getattr(actor, "pk", None) else None,
            subject=(item.enterprise_name, item.credit_code),
            area_code=item.area_code,
        )
        correction.instance = instance
        correction.save(update_fields=["instance"])
        record(
            "correction_opened",
            actor=actor if getattr(actor, "pk", None) else None,
            instance=instance,
            record_id=item.pk,
            correction_id=correction.pk,
            origin=origin,
            objection=objection.number if objection else "",
        )
    return correction


def open_for_objection(objection: Objection) -> None:
    """Portal objection handler: an objection to a collected record opens its correction case.

    Another registry's record (not ``collected:…``) is not ours.  While a correction of the record
    is open, the objection waits (已收到) for the operator to take it in from the record page.
    """
    if not objection.record_id.startswith(ID_PREFIX):
        return
    pk = objection.record_id[len(ID_PREFIX) :]
    item = CollectedRecord.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if item is None:
        return
    if item.state != CollectedRecord.State.PUBLISHED or open_correction_of(item) is not None:
        record("correction_objection_waiting", record_id=item.pk, objection=objection.number)
        return
    open_correction(item=item, reason=objection.description, actor=None, objection=objection)


# --- steps of the case ------------------------------------------------------------------------


def correction_of(instance: ProcessInstance) -> RecordCorrection | None:
    return (
        RecordCorrection.objects.filter(instance=instance)
        .select_related("record", "record__provider", "objection")
        .first()
    )


def submitted(*, instance, human_task, data: dict, actor) -> None:
    """提交更正申请 completed: the proposal (or 核实无误) goes to 市场监管."""
    correction = RecordCorrection.objects.select_for_update().get(instance=instance)
    correction.decision = data.get("correction_decision", "")
    prefix = services.FIELD_PREFIX
    correction.proposed = (
        {key[len(prefix) :]: value for key, value in data.items() if key.startswith(prefix)}
        if correction.decision == Decision.CORRECT
        else {}
    )
    correction.note = data.get("correction_note", "")
    correction.state = Stage.REVIEWING
    correction.save(update_fields=["decision", "proposed", "note", "state"])
    record(
        "correction_submitted",
        actor=actor,
        instance=instance,
        human_task=human_task,
        decision=correction.decision,
        changed=sorted(changes(correction.record.values, correction.proposed))
        if correction.decision == Decision.CORRECT
        else [],
    )


def reviewed(*, instance, human_task, data: dict, actor) -> None:
    """审核更正 completed: agreed (the messages apply it) or sent back to the provider."""
    correction = RecordCorrection.objects.select_for_update().get(instance=instance)
    if data.get("correction_review") == AGREE:
        record("correction_agreed", actor=actor, instance=instance, human_task=human_task, decision=AGREE)
        return
    reason = data.get("correction_review_reason", "")
    correction.state, correction.review_reason = Stage.SUBMITTING, reason
    correction.save(update_fields=["state", "review_reason"])
    record(
        "correction_sent_back",
        actor=actor,
        instance=instance,
        human_task=human_task,
        decision=SEND_BACK,
        reason=reason,
    )


def _reviewer(instance: ProcessInstance, bpmn_id: str = REVIEW):
    """Who agreed: the last completed 审核更正 of the case (its row is written before the message);
    with ``bpmn_id=SUBMIT``, the officer whose proposal it was."""
    task = (
        HumanTask.objects.filter(instance=instance, bpmn_id=bpmn_id, state=HumanTask.State.COMPLETED)
        .select_related("completed_by")
        .order_by("-completed_at", "-pk")
        .first()
    )
    return task.completed_by if task is not None else None


def apply(*, message, instance) -> None:
    """Agreed correction: a new version of the record (note 更正); it stays published."""
    correction = RecordCorrection.objects.select_for_update().get(pk=message.payload["correction_id"])
    item = CollectedRecord.objects.select_for_update().select_related("provider").get(pk=correction.record_id)
    actor = _reviewer(instance)
    spec = services.type_spec(item.record_type)
    values = dict(correction.proposed)
    document_number = str(values.get(spec["document_field"]) or item.document_number).strip()
    item.values, item.errors, item.document_number = values, {}, document_number
    item.produced_on = services._produced(spec, values)
    published_on = (item.published_at or timezone.now()).astimezone(SHANGHAI).date()
    archive_before = item.archive_on
    item.archive_on = record_types.publication_end(spec, values, published_on)
    item.version += 1
    item.save()
    services._version(item, _reviewer(instance, SUBMIT) or actor, note="更正")  # the proposer's version
    correction.state, correction.to_version, correction.closed_at = (
        Stage.CORRECTED,
        item.version,
        timezone.now(),
    )
    correction.save(update_fields=["state", "to_version", "closed_at"])
    record(
        "record_amended",
        actor=actor,
        instance=instance,
        record_id=item.pk,
        correction_id=correction.pk,
        version=item.version,
        origin=correction.origin,
    )
    if item.archive_on != archive_before:
        _move_archive(item, archive_before, services.archive_at(spec, values, published_on), actor, instance)
    _close_objection(
        correction,
        f"经核实，{item.provider.name}已更正该条公示信息（第 {item.version} 版，"
        f"{timezone.localdate():%Y年%-m月%-d日}），企业信息页现显示更正后的内容。更正说明：{correction.note}",
        instance,
    )


def _move_archive(item: CollectedRecord, before, archive_at: str, actor, instance) -> None:
    """The correction moved the record's end of publication: its collection case, waiting for the
    old end (公示期满), is told the new one (message ``collection_period_changed``).

    Only a case that waits for the message gets it (a case started on a version of the model
    before it was added keeps its first date: audited as not moved).  A suspended case gets it
    when it is resumed; until then its timer does not fire either.
    """
    case = item.instance
    facts = {
        "record_id": item.pk,
        "case_id": case.pk if case is not None else None,
        "archive_on_before": str(before or ""),
        "archive_on": str(item.archive_on or ""),
    }
    payload = {"archive_at": archive_at}
    if case is None or case.status not in (*engine.ACTIVE, ProcessInstance.Status.SUSPENDED):
        reason = "归集案件已结束，未按新的期限重新计时"
    elif case.status == ProcessInstance.Status.SUSPENDED:
        engine.post_message(target=case, name=PERIOD_CHANGED, payload=payload, source=instance)
        record("record_archive_move_queued", actor=actor, instance=instance, **facts)
        return
    elif engine.deliver_message(instance_id=case.pk, name=PERIOD_CHANGED, payload=payload, actor=actor):
        record("record_archive_moved", actor=actor, instance=instance, **facts)
        return
    else:
        reason = "归集案件按旧版本流程运行，未在等待公示期限变更，仍按原期满日归档"
    record("record_archive_not_moved", actor=actor, instance=instance, reason=reason, **facts)


extensions.register_audit_labels(
    {
        "record_archive_moved": "按更正后的期限重新计时",
        "record_archive_move_queued": "期限变更待案件恢复后生效",
        "record_archive_not_moved": "期满日未随更正变更",
    }
)


def confirm(*, message, instance) -> None:
    """Agreed 核实无误: nothing changes; the objection is answered."""
    correction = RecordCorrection.objects.select_for_update().get(pk=message.payload["correction_id"])
    correction.state, correction.closed_at = Stage.CONFIRMED, timezone.now()
    correction.save(update_fields=["state", "closed_at"])
    record(
        "correction_confirmed",
        actor=_reviewer(instance),
        instance=instance,
        record_id=correction.record_id,
        correction_id=correction.pk,
    )
    _close_objection(correction, f"经核实，该条公示信息无误，未作更正。核实情况：{correction.note}", instance)


def _close_objection(correction: RecordCorrection, outcome: str, instance) -> None:
    """The objection behind the correction is answered: 已办结, its outcome on the receipt page and
    in an e-mail to the objector (``portal.services.close_objection``)."""
    if correction.objection_id is None:
        return
    assert correction.objection is not None
    close_objection(
        correction.objection,
        outcome,
        instance=instance,
        correction_id=correction.pk,
        outcome=correction.state,
    )


def cancelled(*, instance, human_task) -> None:
    """A task of the case was cancelled (an admin terminated it): the correction ends unapplied
    and its objection waits again (已收到) for the operator."""
    correction = RecordCorrection.objects.select_for_update().filter(instance=instance).first()
    if correction is None or not correction.is_open:
        return
    correction.state, correction.closed_at = Stage.CANCELLED, timezone.now()
    correction.save(update_fields=["state", "closed_at"])
    if correction.objection_id is not None:
        Objection.objects.filter(pk=correction.objection_id, state=Objection.State.HANDLING).update(
            state=Objection.State.RECEIVED, updated_at=timezone.now()
        )
    record("correction_cancelled", instance=instance, correction_id=correction.pk)


# --- reading ------------------------------------------------------------------------------------


def changes(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {name for name in set(before) | set(after) if before.get(name) != after.get(name)}


def compared(correction: RecordCorrection) -> list[tuple[str, str, str]]:
    """(label, now published, proposed) of every field the proposal changes, in the spec's order."""
    if correction.decision != Decision.CORRECT:
        return []
    spec = services.type_spec(correction.record.record_type)
    changed = changes(correction.record.values, correction.proposed)
    before, after = correction.record.values, correction.proposed
    return [
        (field.get("label", field["name"]), shown_value(field, before.get(field["name"])), shown_value(field, after.get(field["name"])))
        for field in spec.get("fields", [])
        if field["name"] in changed
    ]  # fmt: skip
