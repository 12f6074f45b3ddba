"""双告知 actions: receive registrations (their cases start), and what each step of the case
records — a return, a re-push, the permit feedback, the department that claims from the pool.

Every action runs in its caller's transaction (the engine's, for the steps) and writes its own
audit row.  The flow is bpmn/registration_push.bpmn; ``steps`` connects the actions to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.clocks import services as clocks
from casework.directory.services import register_enterprise
from casework.directory.signals import permit_granted
from casework.errors import DomainError, UserFacingError
from casework.organization.divisions import related
from casework.organization.models import Department
from casework.organization.permissions import Person
from casework.workbench.names import area_name
from processes import engine, operation
from processes.audit import record
from processes.deadlines import count_from
from processes.models import HumanTask, ProcessInstance

from . import pool
from .content import fingerprint
from .intake import (
    SYSTEM,
    Lookups,
    Pusher,
    Received,
    UnconfirmedCreditCode,
    _System,
    authorize,
    confirmed_pilot_code,
    seen_before,
    validated,
)
from .models import PermitFeedback, Registration, ReturnRecord
from .routing import route_business_scope

PROCESS = "registration_push"
FEEDBACK_CLOCK = "push.feedback"  # 许可决定之日起 N 个工作日内反馈（法定时限规则）

__all__ = ["SYSTEM", "UnconfirmedCreditCode", "receive_registration", "receive_registrations"]


def _push(
    item: dict,
    authority: Department,
    division: str,
    *,
    source: str,
    actor: Person | None,
    pilot_problems: list[str],
) -> Registration:
    """Save the enterprise and the registration and start its case (inside the caller's savepoint).

    ``pilot_problems``: the check-character problems of a pilot code the push confirmed; the
    confirmation is audited (who confirmed which code).
    """
    routing = route_business_scope(business_scope=item["business_scope"], division_code=division)
    enterprise = register_enterprise(
        credit_code=item["credit_code"],
        name=item["name"],
        registration_authority=authority,
        actor=actor,
        legal_representative=item.get("legal_representative", ""),
        address=item.get("address", ""),
        business_scope=item["business_scope"],
        established_on=item["registered_on"],
        registration_number=item.get("registration_number", ""),
    )
    registration = Registration.objects.create(
        event_id=item["event_id"],
        enterprise=enterprise,
        registration_authority=authority,
        division_code=division,
        business_scope=item["business_scope"],
        registered_on=item["registered_on"],
        source=source,
        routing=routing.explanation(),
        fingerprint=fingerprint(item, division),
        received_by=actor if getattr(actor, "pk", None) else None,
    )
    instance = engine.start_process(
        key=PROCESS,
        data={
            "registration_id": registration.pk,
            "targets": [t.department_code for t in routing.targets],
            "registrar_department": authority.code,
            "pool_department": pool.code(division),
            "received_at": timezone.now(),
        },
        business_key=f"SGZ-{item['event_id']}",
        title=f"{enterprise.name} · 双告知",
        actor=actor,
        subject=(enterprise.name, enterprise.credit_code),
        area_code=division,
    )
    registration.instance = instance
    registration.save(update_fields=["instance"])
    record(
        "registration_received",
        actor=actor,
        instance=instance,
        event_id=item["event_id"],
        credit_code=enterprise.credit_code,
        targets=[t.department_code for t in routing.targets],
    )
    if pilot_problems:
        record(
            "pilot_code_confirmed",
            actor=actor,
            instance=instance,
            event_id=item["event_id"],
            credit_code=enterprise.credit_code,
            problems=pilot_problems,
        )
    return registration


def _receive_one(lookups: Lookups, item: dict, *, source: str, actor: Pusher) -> Received:
    authorize(item, actor)
    existing = seen_before(lookups, item)
    if existing is not None:
        return Received(existing)
    authority, division = validated(lookups, item)
    pilot_problems = confirmed_pilot_code(item)
    position = operation.mark()
    try:
        with transaction.atomic():
            person = None if isinstance(actor, _System) else actor
            registration = _push(
                item, authority, division, source=source, actor=person, pilot_problems=pilot_problems
            )
    except IntegrityError:  # a concurrent push of the same event won the race
        operation.discard_since(position)
        winner = (
            Registration.objects.select_related("registration_authority", "enterprise")
            .filter(event_id=item["event_id"])
            .first()
        )
        if winner is None:  # not the event id's unique constraint
            raise
        lookups.existing[item["event_id"]] = winner
        return Received(seen_before(lookups, item))  # the same push, or a conflict with the winner's
    except UserFacingError:
        operation.discard_since(position)  # the audit rows and notices of the rolled-back push
        raise
    lookups.existing[item["event_id"]] = registration
    return Received(registration, created=True)


def receive_registrations(
    items: Sequence[dict], *, actor: Pusher, source: str = Registration.Source.API
) -> list[Received]:
    """A batch from the registrar's system (or an Excel sheet), in one transaction.

    Each item holds the keyword arguments of ``receive_registration`` (without ``source`` and
    ``actor``) and stands alone: a refused one (invalid, forbidden to ``actor``, or an event id
    taken by other content) is reported with its error and rolled back to its own savepoint,
    the others are saved.  The look-ups are shared, the audit rows and
    notices are written with one INSERT per table and their e-mail leaves as one batch.
    """
    results: list[Received] = []
    with transaction.atomic(), operation.buffered():
        lookups = Lookups(items)
        for item in items:
            try:
                results.append(_receive_one(lookups, item, source=source, actor=actor))
            except UserFacingError as exc:
                results.append(Received(None, error=exc))
    return results


def receive_registration(
    *,
    event_id: str,
    credit_code: str,
    name: str,
    business_scope: str,
    authority_code: str,
    registered_on: date,
    division_code: str = "",
    legal_representative: str = "",
    address: str = "",
    registration_number: str = "",
    confirm_pilot_code: bool = False,
    actor: Pusher,
    source: str = Registration.Source.API,
) -> tuple[Registration, bool]:
    """Create the registration and its case; the same ``event_id`` again returns the first one.

    Returns (registration, created).  Raises Forbidden when ``actor`` may not push for that
    authority or the division lies outside its area, InvalidRegistration (or InvalidEnterprise)
    with field details, UnconfirmedCreditCode when the credit code's check characters fail and
    ``confirm_pilot_code`` does not confirm it as an early pilot code, or DuplicateEvent when
    the ``event_id`` was used with other content (by normalized field: trimmed text, the credit
    code as the directory keeps it, an omitted division as the authority's own); nothing is
    saved then.
    """
    item = {
        "event_id": event_id,
        "credit_code": credit_code,
        "name": name,
        "business_scope": business_scope,
        "authority_code": authority_code,
        "registered_on": registered_on,
        "division_code": division_code,
        "legal_representative": legal_representative,
        "address": address,
        "registration_number": registration_number,
        "confirm_pilot_code": confirm_pilot_code,
    }
    (result,) = receive_registrations([item], source=source, actor=actor)
    if result.error is not None:
        raise result.error
    assert result.registration is not None
    return result.registration, result.created


def registration_of(instance: ProcessInstance) -> Registration:
    return Registration.objects.select_for_update().get(instance=instance)


def record_return(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor: Person) -> None:
    """认领或退回 → 退回: the department's reason, kept for the registrar's re-push."""
    if data.get("claim_decision") != "return":
        return
    returned = ReturnRecord.objects.create(
        registration=registration_of(instance),
        department_code=human_task.candidate_department,
        reason=data.get("return_reason", ""),
        returned_by=actor,
    )
    record(
        "registration_returned",
        actor=actor,
        instance=instance,
        human_task=human_task,
        department=returned.department_code,
        reason=returned.reason,
    )


def link_return_to_confirmation(*, instance: ProcessInstance, human_task: HumanTask, data: dict) -> None:
    """The confirmation step belongs to the branch whose department just returned the push."""
    returned = (
        ReturnRecord.objects.filter(
            registration__instance=instance,
            department_code=data.get("department"),
            confirm_task__isnull=True,
            repushed_to="",
        )
        .order_by("-returned_at", "-pk")
        .first()
    )
    if returned is None:
        return
    returned.confirm_task = human_task
    returned.save(update_fields=["confirm_task"])
    record(
        "return_awaits_confirmation",
        instance=instance,
        human_task=human_task,
        department=returned.department_code,
    )


class InvalidRepush(DomainError):
    code = "invalid_repush"


def repush_target(human_task: HumanTask | None, code: str) -> Department:
    """人工确认审批部门: the department named may take the registration, or InvalidRepush says why.

    An approval or industry department, not the one that just returned it, not one already
    working on the case, and within the chain of areas of the registration.
    """
    department = Department.objects.approving().filter(code=code).first()
    if department is None:
        raise InvalidRepush(f"“{code}”不是已登记的审批或行业主管部门")
    if human_task is None:
        return department
    returned = (
        ReturnRecord.objects.filter(confirm_task=human_task).values_list("department_code", flat=True).first()
    )
    if department.code == returned:
        raise InvalidRepush("不能推送回刚退回的部门")
    busy = HumanTask.objects.filter(
        instance_id=human_task.instance_id, state=HumanTask.State.OPEN, candidate_department=department.code
    ).exclude(pk=human_task.pk)
    if busy.exists():
        raise InvalidRepush(f"{department.name}已在办理本件，无需重复推送")
    area = human_task.area_code or ""
    if area and not related(area, department.division_code):
        raise InvalidRepush(f"{department.name}不在本件登记地（{area_name(area)}）的上下级范围内")
    return department


def record_repush(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor: Person) -> None:
    """人工确认审批部门 done: the return it answers names where the registration went."""
    ReturnRecord.objects.filter(confirm_task=human_task).update(
        repushed_to=data["department"], repushed_by=actor, repushed_at=timezone.now()
    )
    record(
        "registration_repushed",
        actor=actor,
        instance=instance,
        human_task=human_task,
        department=data["department"],
    )


class NotAPoolClaimant(DomainError):
    code = "not_a_pool_claimant"
    status = 403


def pool_claimant_department(human_task: HumanTask | None) -> str:
    """公示认领: the claiming officer's own approval department of the pool's area takes it."""
    assignee = human_task.assignee if human_task else None
    division = pool.division(human_task.candidate_department) if human_task else None
    department = (
        Department.objects.approving()
        .filter(memberships__user=assignee, memberships__role="officer", division_code=division)
        .order_by("code")
        .first()
        if assignee is not None and division
        else None
    )
    if department is None:
        raise NotAPoolClaimant("只有本级审批部门的经办人员可以认领")
    return department.code


def _as_date(value: Any) -> date | None:
    """Form dates are dates; replayed from an incident's JSON they are ISO strings."""
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _permit_values(feedback: PermitFeedback) -> dict[str, str]:
    dates = {
        "decision_date": feedback.decision_date,
        "valid_from": feedback.valid_from,
        "valid_to": feedback.valid_to,
    }
    values = {
        "permit_number": feedback.permit_number,
        "permit_name": feedback.permit_name,
        "permit_authority": feedback.permit_authority,
        "permit_content": feedback.permit_content,
        **{name: day.isoformat() for name, day in dates.items() if day},
    }
    return {name: value for name, value in values.items() if value}


def record_feedback(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor: Person) -> None:
    """许可审批反馈: the decision (and a granted permit's record); late after the area's
    ``push.feedback`` clock (湖南 7 working days from the decision, 巴州 20, …)."""
    decision_date = _as_date(data.get("decision_date"))
    late = False
    if decision_date is not None:
        rule = clocks.rule_in_force(FEEDBACK_CLOCK, instance.area_code, decision_date)
        if rule is not None:
            last, _ = count_from(decision_date, rule.days, rule.unit)
            late = timezone.localdate() > last
    feedback = PermitFeedback.objects.create(
        registration=registration_of(instance),
        department_code=human_task.candidate_department,
        decision=data["permit_decision"],
        decision_date=decision_date,
        permit_number=data.get("permit_number", ""),
        permit_name=data.get("permit_name", ""),
        valid_from=_as_date(data.get("valid_from")),
        valid_to=_as_date(data.get("valid_to")),
        permit_authority=data.get("permit_authority", ""),
        permit_content=data.get("permit_content", ""),
        fed_back_by=actor,
        is_late=late,
    )
    record(
        "permit_fed_back",
        actor=actor,
        instance=instance,
        human_task=human_task,
        department=feedback.department_code,
        decision=feedback.decision,
        late=late,
    )
    if feedback.decision == "granted":  # e.g. 归集公示 turns it into a 行政许可 record, no re-entry
        permit_granted.send(
            sender=PermitFeedback,
            enterprise=feedback.registration.enterprise,
            department_code=feedback.department_code,
            values=_permit_values(feedback),
            actor=actor,
        )
