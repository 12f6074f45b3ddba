"""What an incoming registration is checked against before its case starts: who pushes it,
whether its event id was seen before (and said the same), its authority and area, and whether
a credit code whose check characters fail was confirmed as an early pilot code.

``services.receive_registrations`` runs these checks; they change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from casework.directory.services import pilot_code_problems
from casework.errors import DomainError, Forbidden, UserFacingError
from casework.organization.divisions import within
from casework.organization.models import Department
from casework.organization.permissions import Person, posts

from .content import LABELS, differing_fields
from .models import Registration


class InvalidRegistration(DomainError):
    code = "invalid_registration"


class DuplicateEvent(DomainError):
    """The event id is taken: by another authority, or by a registration that says something else."""

    code = "event_conflict"
    status = 409


class UnconfirmedCreditCode(DomainError):
    """The credit code's check characters fail and nobody confirmed it as an early pilot code."""

    code = "unconfirmed_credit_code"


#: What the registrar confirms for such a code (the entry form's checkbox says the same).
PILOT_CONFIRMATION = "试点期代码，确认无误"


@dataclass
class Received:
    """What became of one registration of a batch: saved (new or seen before), or refused."""

    registration: Registration | None
    created: bool = False
    error: UserFacingError | None = None


class Lookups:
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

#: Who pushes a registration: a registrar (or superuser), or the platform itself.
Pusher: TypeAlias = "Person | _System"


def authorize(item: dict, actor: Pusher) -> None:
    """登记人员 push only in the name of their own registration authority; superusers for any.

    Checked before anything else, so a replayed event id never hands out another authority's
    registration.  Fails closed: no actor is refused; only ``SYSTEM`` pushes without a post.
    """
    if isinstance(actor, _System) or getattr(actor, "is_superuser", False):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden("未指明推送登记信息的人员", details={"actor": ["须以登记人员身份推送"]})
    if (item["authority_code"], "registrar") not in posts(actor):
        raise Forbidden(
            "只能以本人所在登记机关的名义推送登记信息",
            details={"registration_authority": ["不是您所在的登记机关"]},
        )


def seen_before(lookups: Lookups, item: dict) -> Registration | None:
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


def validated(lookups: Lookups, item: dict) -> tuple[Department, str]:
    """The registration authority and the area, or InvalidRegistration with every field's problem.

    An area outside the authority's own is Forbidden: an authority registers only within it.
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
    if division and not within(division, authority.division_code):
        problem = f"行政区划 {division} 不在登记机关 {authority.name} 的辖区内"
        raise Forbidden(problem, details={"division_code": [problem]})
    return authority, division


def confirmed_pilot_code(item: dict) -> list[str]:
    """The check-character problems of a pilot code the push confirmed (empty for a valid code).

    A code whose check characters fail is pushed only with ``confirm_pilot_code``: without it the
    push is refused with UnconfirmedCreditCode (details on ``credit_code``), whoever pushes.
    """
    problems = pilot_code_problems(item["credit_code"])
    if problems and not item.get("confirm_pilot_code"):
        reason = "；".join(problems)
        raise UnconfirmedCreditCode(
            f"统一社会信用代码 {item['credit_code'].strip()} 未通过校验（{reason}）。"
            f"如确为登记机关早期核发的试点期代码，须确认“{PILOT_CONFIRMATION}”后才能推送",
            details={
                "credit_code": [f"校验未通过：{reason}；请核对代码，确为试点期代码的须确认后推送"],
                "confirm_pilot_code": [f"须确认“{PILOT_CONFIRMATION}”"],
            },
        )
    return problems
