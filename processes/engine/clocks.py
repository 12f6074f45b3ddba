"""A case's legal clock: suspend it (中止), resume it (deadlines move by the days it stood still),
and recompute provisional deadlines once a year's holiday arrangement is published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import deadlines, operation
from ..audit import record
from ..business_calendar import SHANGHAI
from ..errors import ClockStateConflict, InvalidTaskData
from ..models import ClockPause, ProcessInstance
from .core import ACTIVE, Actor, advance, instance_or_404, load_case, locked_instance, require_active
from .projection import waiting_timers


def pause_clock(*, instance_id: int, reason: str, actor: Actor) -> ClockPause:
    """中止计时: the case's timers stand still (none fires) until ``resume_clock``."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTaskData("请填写中止计时的原因", details={"reason": "中止原因不能为空"})
    with transaction.atomic(), operation.buffered():
        instance = instance_or_404(instance_id)
        require_active(instance)
        if instance.clock_paused_at is not None:
            raise ClockStateConflict("该案件的法定时限已中止计时")
        now = timezone.now()
        pause = ClockPause.objects.create(
            instance=instance, reason=reason, paused_at=now, paused_by=_person(actor)
        )
        ProcessInstance.objects.filter(pk=instance.pk).update(clock_paused_at=now)
        instance.clock_paused_at = now
        record("clock_paused", actor=actor, instance=instance, reason=reason, pause_id=pause.pk)
    return pause


def resume_clock(*, instance_id: int, actor: Actor) -> ClockPause:
    """恢复计时: every waiting deadline moves by the working days the clock stood still."""
    with transaction.atomic(), operation.buffered():
        instance = instance_or_404(instance_id)
        pause = instance.clock_pauses.filter(resumed_at__isnull=True).first()
        if instance.clock_paused_at is None or pause is None:
            raise ClockStateConflict("该案件的法定时限未中止计时")
        now = timezone.now()
        paused_on = pause.paused_at.astimezone(SHANGHAI).date()
        resumed_on = now.astimezone(SHANGHAI).date()
        moved: list[dict] = []

        def shift(wf) -> None:
            for task in waiting_timers(wf):
                change = deadlines.shift_for_pause(task, paused_on, resumed_on)
                if change is not None:
                    before, after, days = change
                    moved.append(
                        {"timer": task.task_spec.bpmn_id, "before": before, "after": after, "days": days}
                    )
            wf.deadlines_moved = True

        ProcessInstance.objects.filter(pk=instance.pk).update(clock_paused_at=None)
        instance.clock_paused_at = None
        if instance.status in (*ACTIVE, ProcessInstance.Status.SUSPENDED):  # 挂起 meanwhile: still moved
            wf = load_case(instance)
            advance(instance, wf, action="resume_clock", args={}, step=shift, actor=actor)
        days = max((m["days"] for m in moved), default=0)
        pause.resumed_at, pause.resumed_by, pause.days = now, _person(actor), days
        pause.save(update_fields=["resumed_at", "resumed_by", "days"])
        record("clock_resumed", actor=actor, instance=instance, pause_id=pause.pk, days=days, moved=moved)
    return pause


def recompute_provisional_deadlines(*, actor: Actor = None) -> int:
    """Count every provisional deadline again (after a year's notice was imported); cases changed.

    Each case in its own transaction under its row lock; every moved deadline is audited.
    """
    ids = list(
        ProcessInstance.objects.filter(provisional_deadlines=True, status__in=ACTIVE).values_list(
            "pk", flat=True
        )
    )
    changed = 0
    for pk in ids:
        with transaction.atomic(), operation.buffered():
            instance = locked_instance(pk)
            if instance is None or not instance.provisional_deadlines or instance.status not in ACTIVE:
                continue
            moved: list[dict] = []

            def recount(wf, moved=moved) -> None:
                for task in waiting_timers(wf):
                    change = deadlines.recompute_provisional(task)
                    if change is not None:
                        moved.append(
                            {"timer": task.task_spec.bpmn_id, "before": change[0], "after": change[1]}
                        )
                wf.deadlines_moved = True

            advance(
                instance,
                load_case(instance),
                action="recompute_deadlines",
                args={},
                step=recount,
                actor=actor,
            )
            record("provisional_deadlines_recomputed", actor=actor, instance=instance, moved=moved)
            changed += 1
    return changed


def _person(actor: Actor):
    return actor if getattr(actor, "pk", None) else None
