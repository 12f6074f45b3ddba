"""Migrating cases: each in its own transaction under its row lock, after a fresh trial; then the rows."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.db import transaction

from .. import deadlines, hooks, operation
from ..audit import record
from ..engine.core import (
    Actor,
    _due_fields,
    _refresh_due,
    locked_instance,
    route_messages,
    save_state,
    sync_tasks,
)
from ..errors import ConcurrentModification, UserFacingError
from ..models import HumanTask, ProcessInstance, ProcessVersion
from .plan import MigrationOutcome, MigrationPlan
from .trial import _as_version, _trial

log = logging.getLogger("processes.migration")


def migrate_instances(
    instance_ids: list[int],
    target_version_id: int,
    actor: Actor = None,
    *,
    expected_versions: dict[int, int] | None = None,
) -> list[MigrationOutcome]:
    """Migrate each case to the target version; one outcome per case, in the order given.

    Each case in its own transaction under its row lock, after a fresh dry run.  A refused or
    failing case is left exactly as it was and reported; the others go on.  ``expected_versions``
    (case id → the optimistic version the admin's dry run saw) refuses a case changed since.
    """
    target = _as_version(target_version_id)
    outcomes: list[MigrationOutcome] = []
    for pk in dict.fromkeys(instance_ids):
        try:
            with transaction.atomic(), operation.buffered():
                outcomes.append(_migrate_one(pk, target, actor, (expected_versions or {}).get(pk)))
        except Exception as exc:  # noqa: BLE001 - this case is rolled back; the others go on
            log.warning("migration of case %s to version %s failed", pk, target.pk, exc_info=True)
            message = exc.message if isinstance(exc, UserFacingError) else f"迁移失败：{exc}"
            found = ProcessInstance.objects.filter(pk=pk).values("business_key", "title").first()
            row: dict[str, Any] = dict(found) if found else {}
            outcomes.append(
                MigrationOutcome(pk, row.get("business_key", ""), row.get("title", ""), False, [message])
            )
    return outcomes


def _migrate_one(pk: int, target: ProcessVersion, actor: Actor, expected: int | None) -> MigrationOutcome:
    instance = locked_instance(pk)
    if instance is None:
        return MigrationOutcome(pk, "", "", False, ["案件不存在"])
    if expected is not None and instance.version != expected:
        return MigrationOutcome(
            pk,
            instance.business_key,
            instance.title,
            False,
            ["案件在试迁移之后已有办理或变化，请重新试迁移"],
            from_version=instance.process_version.version,
            to_version=target.version,
        )
    trial = _trial(instance, target)
    plan, wf = trial.plan, trial.wf
    if not plan.safe or wf is None:
        return MigrationOutcome(
            pk,
            instance.business_key,
            instance.title,
            False,
            plan.reasons,
            plan,
            plan.from_version,
            target.version,
        )
    from_version = instance.process_version
    events = wf.get_events()
    updated = ProcessInstance.objects.filter(pk=pk, version=instance.version).update(process_version=target)
    if updated != 1:
        raise ConcurrentModification("案件已被他人更新，请刷新后重试")
    instance.process_version = target
    with deadlines.case_scope(instance.area_code):
        save_state(instance, wf)
        _apply_row_changes(instance, wf, plan)
        created = sync_tasks(instance, wf, actor=actor)
    for row, data in created:
        record("task_created", instance=instance, human_task=row, department=row.candidate_department)
        hooks.run_task_created(instance, row, data)
    route_messages(instance, events)
    if trial.healed:
        record("loop_children_merged", actor=actor, instance=instance, children=trial.healed)
    record(
        "instance_migrated",
        actor=actor,
        instance=instance,
        from_version=from_version.version,
        from_version_id=from_version.pk,
        to_version=target.version,
        to_version_id=target.pk,
        mapped=plan.ids("mapped"),
        changed=plan.ids("changed"),
        removed=plan.ids("removed"),
        repredicted=len(plan.dropped),  # predicted tasks dropped by the reset and predicted again
        timers=[
            {
                "task": t.task_id,
                "element": t.element,
                "name": t.name,
                "before": t.before.isoformat() if t.before else None,
                "after": t.after.isoformat() if t.after else None,
                "recomputed": t.recomputed,
            }
            for t in plan.timers
        ],
        next_timer_before=plan.next_timer_before.isoformat() if plan.next_timer_before else None,
        next_timer_after=instance.next_timer_at.isoformat() if instance.next_timer_at else None,
        human_tasks=[
            {"id": h.row_id, "task": h.task_id, "name": h.new_name or h.name, "outcome": h.outcome}
            for h in plan.human_tasks
        ],
    )
    return MigrationOutcome(
        pk, instance.business_key, instance.title, True, [], plan, from_version.version, target.version
    )


def _apply_row_changes(instance: ProcessInstance, wf, plan: MigrationPlan) -> None:
    """Open rows of changed tasks take the target's name and candidates; moved timers move their due."""
    for change in plan.human_tasks:
        if change.row_id is None or change.outcome == "cancelled":
            continue
        row = HumanTask.objects.get(pk=change.row_id)
        if change.fields:
            for name, value in change.fields.items():
                setattr(row, name, value)
            row.save(update_fields=list(change.fields))
            if change.outcome == "reassigned" and change.assignee:
                record("task_released", instance=instance, human_task=row, reason="流程版本迁移改派")
        if change.refresh_due:
            task = wf.get_task_from_id(UUID(change.task_id))
            if task is not None:
                _refresh_due(instance, row, _due_fields(task))
