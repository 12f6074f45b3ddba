"""Human tasks: claim, release and complete a task, move its deadline, record its escalation level.

Claiming and releasing change only the task's row; completing it is a step of the case
(``core.advance``), so a failing completion becomes an incident and nothing is half-saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from SpiffWorkflow.util.task import TaskState

from .. import hooks, operation
from ..audit import record
from ..errors import InvalidTaskData, NotAllowed, TaskAlreadyClaimed, TaskNotOpen
from ..models import HumanTask, Incident, ProcessInstance
from .core import (
    Actor,
    advance,
    fail,
    json_safe,
    load_case,
    locked_instance,
    require_active,
    resolve_incident,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def claim_task(*, task_id: int, user: User) -> HumanTask:
    """认领: assign an open task to ``user``; exactly one of two concurrent claims wins."""
    with transaction.atomic(), operation.buffered():
        row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
        require_active(row.instance)
        if row.state != HumanTask.State.OPEN:
            raise TaskNotOpen("任务已办结或已取消")
        hooks.authorize(user, row, "claim")
        now = timezone.now()
        won = HumanTask.objects.filter(pk=task_id, state=HumanTask.State.OPEN, assignee__isnull=True).update(
            assignee=user, claimed_at=now
        )
        if not won:
            row.refresh_from_db()
            if row.assignee_id == user.pk:
                return row
            raise TaskAlreadyClaimed("该任务已被他人认领")
        row.assignee, row.claimed_at = user, now
        record("task_claimed", actor=user, instance=row.instance, human_task=row)
    return row


def release_task(*, task_id: int, user: User) -> HumanTask:
    """退回待认领: the assignee gives the task back to the department queue."""
    with transaction.atomic(), operation.buffered():
        row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
        if row.state != HumanTask.State.OPEN:
            raise TaskNotOpen("任务已办结或已取消")
        if row.assignee_id != user.pk:
            raise NotAllowed("只有任务的办理人可以释放任务")
        HumanTask.objects.filter(pk=task_id, assignee=user).update(assignee=None, claimed_at=None)
        row.refresh_from_db()
        record("task_released", actor=user, instance=row.instance, human_task=row)
    return row


def complete_task(*, task_id: int, user: User, data: dict | None = None) -> HumanTask:
    """办结: validate the form, complete the task and run the case on to its next wait state.

    The returned row's ``next_task`` is the case's new task that ``user`` kept (a
    ``keep_assignee`` task offered to their post: assigned to them, no second claim), else None.
    """
    row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
    if row.state != HumanTask.State.OPEN:
        raise TaskNotOpen("任务已办结或已取消")
    if row.assignee_id != user.pk:
        raise NotAllowed("请先认领任务再办理")
    hooks.authorize(user, row, "complete")
    cleaned = hooks.clean_task_data(row, dict(data or {}))
    with transaction.atomic(), operation.buffered():
        instance = locked_instance(row.instance_id)
        assert instance is not None
        require_active(instance)
        incident, done = complete_locked(instance, task_id=task_id, user=user, cleaned=cleaned, row=row)
    fail(incident)
    done.instance = instance
    kept = getattr(done, "next_tasks", None) or []
    setattr(done, "next_task", kept[0] if kept else None)  # noqa: B010
    return done


def complete_locked(
    instance: ProcessInstance,
    *,
    task_id: int,
    user: User,
    cleaned: dict,
    incident: Incident | None = None,
    row: HumanTask | None = None,
) -> tuple[Incident | None, HumanTask]:
    """Complete the task of a case whose row lock the caller holds (also how a retry completes it)."""
    if row is None:
        row = HumanTask.objects.get(pk=task_id)
    task_row = row
    wf = load_case(instance)

    def step(wf) -> None:
        now, form_data = timezone.now(), json_safe(cleaned)
        # Checked and written in one statement: a task already done, or no longer the user's,
        # is refused (the savepoint undoes this write if anything below fails).
        written = HumanTask.objects.filter(pk=task_id, state=HumanTask.State.OPEN, assignee=user).update(
            state=HumanTask.State.COMPLETED, completed_at=now, completed_by=user, form_data=form_data
        )
        if not written:
            current = HumanTask.objects.filter(pk=task_id).values_list("state", flat=True).first()
            if current != HumanTask.State.OPEN:
                raise TaskNotOpen("任务已办结或已取消")
            raise TaskAlreadyClaimed("该任务已被他人认领")
        task = wf.get_task_from_id(UUID(str(task_row.task_uuid)))
        if task is None or task.state != TaskState.READY:
            raise TaskNotOpen("任务已不在待办状态")
        if not hooks.has_form(task_row.case_type, task_row.form):
            # Without a declared form a submission may add data, never overwrite the case's own.
            clash = sorted(set(cleaned) & set(task.data))
            if clash:
                raise InvalidTaskData(
                    f"不能通过办理提交修改案件已有数据：{'、'.join(clash)}",
                    details={key: "案件已有数据，不可覆盖" for key in clash},
                )
        task.set_data(**cleaned)
        task.run()
        task_row.state, task_row.completed_at, task_row.completed_by, task_row.form_data = (
            HumanTask.State.COMPLETED,
            now,
            user,
            form_data,
        )
        record("task_completed", actor=user, instance=instance, human_task=task_row, data=form_data)
        hooks.run_task_completed(instance, task_row, cleaned, user)

    args = {"task_id": task_id, "user_id": user.pk, "data": cleaned}
    had_incident = incident is not None or instance.status == ProcessInstance.Status.INCIDENT
    failed = advance(
        instance,
        wf,
        action="complete",
        args=args,
        step=step,
        actor=user,
        incident=incident,
        completed=task_row,
    )
    if failed is None and had_incident:
        # Earlier failed attempts at this same completion are moot now that it went through.
        stale = instance.incidents.filter(
            status=Incident.Status.OPEN, action="complete", action_args__task_id=task_id
        )
        if incident is not None:
            stale = stale.exclude(pk=incident.pk)
        for old in stale:
            resolve_incident(old, instance, actor=user)
    return failed, task_row


def set_task_deadline(
    *, task_id: int, due_at: datetime, actor: Actor = None, basis: str = "", provisional: bool = False
) -> HumanTask:
    """Move an open task's deadline (督办 sets a new one, ``basis`` says why); the change is audited."""
    with transaction.atomic(), operation.buffered():
        row = (
            HumanTask.objects.select_for_update()
            .select_related("instance")
            .defer("instance__state")
            .get(pk=task_id)
        )
        if row.state != HumanTask.State.OPEN:
            raise TaskNotOpen("任务已办结或已取消")
        before = row.due_at
        row.due_at, row.due_clock, row.due_basis, row.due_provisional = due_at, "", basis, provisional
        row.save(update_fields=["due_at", "due_clock", "due_basis", "due_provisional"])
        record(
            "task_deadline_changed",
            actor=actor,
            instance=row.instance,
            human_task=row,
            before=before.isoformat() if before else None,
            after=due_at.isoformat(),
        )
    return row


def set_escalation_level(*, task_id: int, level: int) -> None:
    """Record how far a task's lateness has been escalated (the domain's 督办 decides the level).

    One UPDATE of the task row, not audited here: the domain writes the audit row of the
    escalation it decided.
    """
    HumanTask.objects.filter(pk=task_id).update(escalation_level=level)
