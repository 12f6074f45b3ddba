"""双告知: receive a registration, route it, start its case; record returns and feedback.

The flow is bpmn/registration_push.bpmn; this module says what its steps mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from processes import audit, engine, hooks
from processes.audit import record
from processes.business_calendar import add_workdays
from processes.errors import EngineError, NotAllowed
from processes.models import HumanTask, ProcessInstance

from .enterprises import register_enterprise
from .models import Department, PermitFeedback, Registration, ReturnRecord
from .permissions import posts
from .registration_content import LABELS, differing_fields, fingerprint
from .routing import route_business_scope

PROCESS = "registration_push"
FEEDBACK_WORKDAYS = 7  # 许可决定之日起 7 个工作日内反馈


class InvalidRegistration(EngineError):
    code = "invalid_registration"


class DuplicateEvent(EngineError):
    """The event id is taken: by another authority, or by a registration that says something else."""

    code = "event_conflict"
    status = 409


def _within(division: str, area: str) -> bool:
    """Is ``division`` the area itself or inside it (510802 is inside 510800 and 510000)?"""
    prefix = area.rstrip("0")
    return division.startswith(prefix[: max(2, len(prefix) + len(prefix) % 2)])


def pool_code(division_code: str) -> str:
    """The claim pool (公示认领) of one administrative area, offered to its approval departments."""
    return f"POOL-{division_code}"


@dataclass
class Received:
    """What became of one registration of a batch: saved (new or seen before), or refused."""

    registration: Registration | None
    created: bool = False
    error: EngineError | None = None


class _Lookups:
    """The registrations, authorities and areas a batch refers to, read with one query each."""

    def __init__(self, items: Sequence[dict]) -> None:
        event_ids = {item["event_id"] for item in items}
        self.existing = {
            r.event_id: r
            for r in Registration.objects.filter(event_id__in=event_ids).select_related(
                "registration_authority", "enterprise"
            )
        }
        self.authorities = {
            d.code: d
            for d in Department.objects.filter(
                code__in={item["authority_code"] for item in items}, kind=Department.Kind.REGISTRAR
            )
        }
        divisions = {item.get("division_code") or "" for item in items} | {
            d.division_code for d in self.authorities.values()
        }
        self.divisions = set(
            Department.objects.filter(division_code__in=divisions - {""})
            .values_list("division_code", flat=True)
            .distinct()
        )


class _System:
    """The platform itself as the pusher (demo data, benchmarks, tools): no person, no post."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


def _authorize(item: dict, actor) -> None:
    """登记人员 push only in the name of their own registration authority; superusers for any.

    Checked before anything else, so a replayed event id never hands out another authority's
    registration.  Fails closed: no actor is refused; only ``SYSTEM`` pushes without a post.
    """
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed("未指明推送登记信息的人员", details={"actor": ["须以登记人员身份推送"]})
    if (item["authority_code"], "registrar") not in posts(actor):
        raise NotAllowed(
            "只能以本人所在登记机关的名义推送登记信息",
            details={"registration_authority": ["不是您所在的登记机关"]},
        )


def _seen_before(lookups: _Lookups, item: dict) -> Registration | None:
    """The registration this event already made when the push repeats it; DuplicateEvent if it differs."""
    event_id = item["event_id"]
    existing = lookups.existing.get(event_id)
    if existing is None:
        return None
    authority = existing.registration_authority
    if authority.code != item["authority_code"]:
        raise DuplicateEvent(
            f"登记事件编号 {event_id} 已由其他登记机关使用", details={"event_id": ["编号冲突"]}
        )
    differing = differing_fields(existing, item, item.get("division_code") or authority.division_code)
    if differing:
        labels = "、".join(LABELS[field] for field in differing)
        raise DuplicateEvent(
            f"登记事件编号 {event_id} 已用于内容不同的登记（不同之处：{labels}），请核对后使用新的编号",
            details={
                "event_id": ["该编号已用于内容不同的登记"],
                **{field: ["与该编号首次推送的内容不同"] for field in differing},
            },
        )
    return existing


def _validated(lookups: _Lookups, item: dict) -> tuple[Department, str]:
    """The registration authority and the area, or InvalidRegistration with every field's problem.

    An area outside the authority's own is NotAllowed: an authority registers only within it.
    """
    errors: dict[str, list[str]] = {}
    if not item["event_id"].strip():
        errors["event_id"] = ["缺少登记事件编号"]
    if not item["business_scope"].strip():
        errors["business_scope"] = ["缺少经营范围"]
    authority = lookups.authorities.get(item["authority_code"])
    if authority is None:
        errors["registration_authority"] = [f"未知的登记机关：{item['authority_code']}"]
    division = item.get("division_code") or (authority.division_code if authority else "")
    if division and division not in lookups.divisions:
        errors["division_code"] = [f"未知的行政区划代码：{division}"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidRegistration(f"登记信息有误：{first}", details=errors)
    assert authority is not None
    if division and not _within(division, authority.division_code):
        problem = f"行政区划 {division} 不在登记机关 {authority.name} 的辖区内"
        raise NotAllowed(problem, details={"division_code": [problem]})
    return authority, division


def _push(item: dict, authority: Department, division: str, *, source: str, actor) -> Registration:
    """Save the enterprise and the registration and start its case (inside the caller's savepoint)."""
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
            "pool_department": pool_code(division),
            "claim_workdays": settings.PUSH_CLAIM_WORKDAYS,
            "followup_workdays": settings.PUSH_FOLLOWUP_WORKDAYS,
            "pool_workdays": settings.PUSH_POOL_WORKDAYS,
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
    return registration


def _receive_one(lookups: _Lookups, item: dict, *, source: str, actor) -> Received:
    _authorize(item, actor)
    existing = _seen_before(lookups, item)
    if existing is not None:
        return Received(existing)
    authority, division = _validated(lookups, item)
    position = audit.mark()
    try:
        with transaction.atomic():
            person = None if actor is SYSTEM else actor
            registration = _push(item, authority, division, source=source, actor=person)
    except IntegrityError:  # a concurrent push of the same event won the race
        audit.discard_since(position)
        winner = (
            Registration.objects.select_related("registration_authority", "enterprise")
            .filter(event_id=item["event_id"])
            .first()
        )
        if winner is None:  # not the event id's unique constraint
            raise
        lookups.existing[item["event_id"]] = winner
        return Received(_seen_before(lookups, item))  # the same push, or a conflict with the winner's
    except EngineError:
        audit.discard_since(position)  # the audit rows and notices of the rolled-back push
        raise
    lookups.existing[item["event_id"]] = registration
    return Received(registration, created=True)


def receive_registrations(
    items: Sequence[dict], *, actor, source: str = Registration.Source.API
) -> list[Received]:
    """A batch from the registrar's system (or an Excel sheet), in one transaction.

    Each item holds the keyword arguments of ``receive_registration`` (without ``source`` and
    ``actor``) and stands alone: a refused one (invalid, forbidden to ``actor``, or an event id
    taken by other content) is reported with its error and rolled back to its own savepoint,
    the others are saved.  The look-ups are shared, the audit rows and
    notices are written with one INSERT per table and their e-mail leaves as one batch.
    """
    results: list[Received] = []
    with transaction.atomic(), audit.buffered():
        lookups = _Lookups(items)
        for item in items:
            try:
                results.append(_receive_one(lookups, item, source=source, actor=actor))
            except EngineError as exc:
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
    actor,
    source: str = Registration.Source.API,
) -> tuple[Registration, bool]:
    """Create the registration and its case; the same ``event_id`` again returns the first one.

    Returns (registration, created).  Raises NotAllowed when ``actor`` may not push for that
    authority or the division lies outside its area, InvalidRegistration (or InvalidEnterprise)
    with field details, or DuplicateEvent when the ``event_id`` was used with other content (by
    normalized field: trimmed text, the credit code as the directory keeps it, an omitted
    division as the authority's own); nothing is saved then.
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
    }
    (result,) = receive_registrations([item], source=source, actor=actor)
    if result.error is not None:
        raise result.error
    assert result.registration is not None
    return result.registration, result.created


def registration_of(instance: ProcessInstance) -> Registration:
    return Registration.objects.select_for_update().get(instance=instance)


@hooks.on_task_completed(PROCESS, "claim_or_return")
def record_return(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    if data.get("claim_decision") != "return":
        return
    ReturnRecord.objects.create(
        registration=registration_of(instance),
        department_code=human_task.candidate_department,
        reason=data.get("return_reason", ""),
        returned_by=actor,
    )


@hooks.on_task_created(PROCESS, "confirm_department")
def link_return_to_confirmation(*, instance, human_task: HumanTask, data: dict) -> None:
    """The confirmation step belongs to the branch whose department just returned the push."""
    ReturnRecord.objects.filter(
        registration__instance=instance,
        department_code=data.get("department"),
        confirm_task__isnull=True,
        repushed_to="",
    ).order_by("-returned_at", "-pk").update(confirm_task=human_task)


@hooks.on_task_completed(PROCESS, "confirm_department")
def record_repush(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    ReturnRecord.objects.filter(confirm_task=human_task).update(
        repushed_to=data["department"], repushed_by=actor, repushed_at=timezone.now()
    )


def _as_date(value) -> date | None:
    """Form dates are dates; replayed from an incident's JSON they are ISO strings."""
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _record_feedback(*, instance, human_task: HumanTask, data: dict, actor) -> None:
    decision_date = _as_date(data.get("decision_date"))
    late = decision_date is not None and timezone.localdate() > add_workdays(decision_date, FEEDBACK_WORKDAYS)
    PermitFeedback.objects.create(
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


hooks.on_task_completed(PROCESS, "permit_feedback")(_record_feedback)
hooks.on_task_completed(PROCESS, "pool_permit_feedback")(_record_feedback)
