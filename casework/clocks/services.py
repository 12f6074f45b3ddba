"""Legal clocks: finding the rule for a case, revising rules with history, suspending a case's clock.

Every change writes its audit row; pages, the admin and the API all come through here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from casework.errors import DomainError, Forbidden
from casework.organization.divisions import chain_up
from casework.organization.models import Role
from casework.organization.permissions import UserLike, has_role, is_process_admin
from processes import engine
from processes.audit import record
from processes.business_calendar import SHANGHAI
from processes.deadlines import ClockRule

from .models import NATIONAL, LegalClock
from .seed_data import RULES


def jurisdictions_of(area_code: str) -> list[str]:
    """The case's area, the areas above it, then the national default — nearest first."""
    chain = chain_up(area_code) if len(area_code or "") == 6 else []
    return [*chain, NATIONAL]


def rule_in_force(key: str, area_code: str, on: date) -> LegalClock | None:
    """The rule ``key`` for ``area_code`` on day ``on``: the nearest jurisdiction's version in force."""
    order = jurisdictions_of(area_code)
    candidates = [
        rule
        for rule in LegalClock.objects.filter(key=key, jurisdiction__in=order, valid_from__lte=on)
        if rule.valid_to is None or rule.valid_to >= on
    ]
    candidates.sort(key=lambda rule: (order.index(rule.jurisdiction), -rule.valid_from.toordinal()))
    return candidates[0] if candidates else None


def as_clock_rule(rule: LegalClock) -> ClockRule:
    return ClockRule(
        key=rule.key,
        title=rule.title,
        days=rule.days,
        unit=rule.unit,
        legal_basis=rule.legal_basis,
        jurisdiction=rule.jurisdiction,
        jurisdiction_name=rule.jurisdiction_name,
        rule_id=rule.pk,
    )


def resolve(key: str, area_code: str, on: date) -> ClockRule | None:
    """The engine's resolver (``processes.hooks.register_clock_resolver``)."""
    rule = rule_in_force(key, area_code, on)
    return as_clock_rule(rule) if rule is not None else None


def known_keys() -> set[str]:
    return set(LegalClock.objects.values_list("key", flat=True).distinct())


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


# --- the table -------------------------------------------------------------------------


def seed_rules(model=LegalClock) -> int:
    """Load the seed notices' clocks (and the platform defaults) that are not there yet; count added.

    ``model`` lets a migration pass its historical model.
    """
    added = 0
    for key, title, code, name, days, basis, words, seed, valid_from in RULES:
        if model.objects.filter(key=key, jurisdiction=code).exists():
            continue
        model.objects.create(
            key=key,
            title=title,
            jurisdiction=code,
            jurisdiction_name=name,
            days=days,
            unit="workday",
            legal_basis=basis,
            basis_text=words,
            seed=seed,
            valid_from=valid_from,
        )
        added += 1
    return added


def _check_values(days: object, legal_basis: str) -> None:
    details = {}
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        details["days"] = "天数应为 1 至 365 的整数"
    if not (legal_basis or "").strip():
        details["legal_basis"] = "请填写法律依据（文号与条款）"
    if details:
        raise DomainError("法定时限规则填写有误", details=details)


def add_rule(*, actor: UserLike | None, **values) -> LegalClock:
    """A new rule (a key for a jurisdiction that has none in force from ``valid_from``)."""
    _check_values(values.get("days"), values.get("legal_basis", ""))
    with transaction.atomic():
        clash = LegalClock.objects.filter(
            key=values["key"], jurisdiction=values.get("jurisdiction", NATIONAL), valid_to__isnull=True
        ).first()
        if clash is not None:
            raise DomainError(
                f"“{clash.jurisdiction_name}”已有规则“{clash.key}”，请修订该规则而不是新增",
                details={"key": "该地区已有此规则"},
            )
        rule = LegalClock.objects.create(created_by=_person(actor), **values)
        record("legal_clock_added", actor=actor, **_snapshot(rule))
    return rule


def revise_rule(
    rule: LegalClock,
    *,
    actor: UserLike | None,
    days: int,
    legal_basis: str,
    valid_from: date,
    change_reason: str,
    unit: str | None = None,
    title: str | None = None,
    basis_text: str | None = None,
    seed: str | None = None,
) -> LegalClock:
    """A new version of ``rule`` from ``valid_from`` (today or later); the old one ends the day before.

    Deadlines already set keep the rule they were set under: a change applies from the day it
    takes effect to deadlines set from then on.
    """
    _check_values(days, legal_basis)
    if not (change_reason or "").strip():
        raise DomainError("请填写修订原因", details={"change_reason": "修订原因不能为空"})
    if valid_from < today():
        raise DomainError(
            "修订只能从今天或以后生效：已设定的时限不会被悄悄改变",
            details={"valid_from": "生效日期不能早于今天"},
        )
    with transaction.atomic():
        current = LegalClock.objects.select_for_update().get(pk=rule.pk)
        if current.valid_to is not None:
            raise DomainError("这是规则的历史版本，请修订现行版本", details={"rule": "历史版本不能修订"})
        if valid_from <= current.valid_from:
            raise DomainError(
                "新版本的生效日期须晚于现行版本的生效日期",
                details={"valid_from": f"应晚于 {current.valid_from}"},
            )
        before = _snapshot(current)
        current.valid_to = valid_from - timedelta(days=1)
        current.save(update_fields=["valid_to"])
        revised = LegalClock.objects.create(
            key=current.key,
            title=title or current.title,
            jurisdiction=current.jurisdiction,
            jurisdiction_name=current.jurisdiction_name,
            days=days,
            unit=unit or current.unit,
            legal_basis=legal_basis,
            basis_text=current.basis_text if basis_text is None else basis_text,
            seed=current.seed if seed is None else seed,
            valid_from=valid_from,
            supersedes=current,
            change_reason=change_reason,
            created_by=_person(actor),
        )
        record(
            "legal_clock_revised", actor=actor, before=before, after=_snapshot(revised), reason=change_reason
        )
    return revised


def _snapshot(rule: LegalClock) -> dict:
    return {
        "rule_id": rule.pk,
        "key": rule.key,
        "jurisdiction": rule.jurisdiction_name,
        "days": rule.days,
        "unit": rule.unit,
        "legal_basis": rule.legal_basis,
        "valid_from": rule.valid_from.isoformat(),
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
    }


# --- suspending a case's clock ------------------------------------------------------------


def may_suspend(user: UserLike) -> bool:
    """中止/恢复计时: supervisors (督办人员) and process admins."""
    return is_process_admin(user) or has_role(user, Role.SUPERVISOR)


def _require(user: UserLike) -> None:
    if not may_suspend(user):
        raise Forbidden("只有督办人员或流程管理员可以中止或恢复法定时限计时")


def suspend_clock(*, instance_id: int, reason: str, actor: UserLike):
    _require(actor)
    return engine.pause_clock(instance_id=instance_id, reason=reason, actor=actor)  # audited: clock_paused


def resume_clock(*, instance_id: int, actor: UserLike):
    _require(actor)
    return engine.resume_clock(instance_id=instance_id, actor=actor)  # audited: clock_resumed


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def open_pause(instance):
    return instance.clock_pauses.filter(resumed_at__isnull=True).select_related("paused_by").first()


def past_pauses(instance) -> list:
    return list(
        instance.clock_pauses.filter(resumed_at__isnull=False).select_related("paused_by", "resumed_by")
    )
