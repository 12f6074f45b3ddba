"""Finds and completes the cases an old release stalled in a loop / multi-instance step.

``loops`` explains the bug. Every case loaded by the engine now merges what was
missed, but a case whose last child finished the old way has nothing left that would load it
(no task, no timer): this survey finds such cases, and the repair runs each one on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from SpiffWorkflow.util.task import TaskState

from .. import operation
from ..audit import record
from ..errors import EngineError
from ..models import HumanTask, ProcessInstance, ProcessVersion
from ..serialization import spec_for
from .core import ACTIVE, Actor, advance, fail, load_case, locked_instance
from .loops import children_of, merge_missed_children, open_loops, unmerged_children


@dataclass(frozen=True)
class UnmergedLoop:
    """One loop step of a case with finished children its parent never merged."""

    instance_id: int
    business_key: str
    status: str
    element: str
    unmerged: int
    running_children: int
    stalled: bool  # nothing left that could move the case: no open task and no timer


def find_unmerged_loops(*, instance_ids: list[int] | None = None) -> Iterator[UnmergedLoop]:
    """Every unfinished case (of a process with a loop step) whose loop missed a finished child."""
    versions = [v for v in ProcessVersion.objects.all() if spec_for(v).has_loop]
    statuses = (*ACTIVE, ProcessInstance.Status.SUSPENDED)
    cases = ProcessInstance.objects.filter(status__in=statuses, process_version__in=versions)
    if instance_ids:
        cases = cases.filter(pk__in=instance_ids)
    for instance in cases.select_related("process_version").order_by("pk").iterator(chunk_size=200):
        wf = load_case(instance, heal=False)
        open_tasks = instance.human_tasks.filter(state=HumanTask.State.OPEN).exists()
        for loop_task in open_loops(wf):
            unmerged = unmerged_children(loop_task)
            if not unmerged:
                continue
            running = [c for c in children_of(loop_task) if not c.has_state(TaskState.FINISHED_MASK)]
            yield UnmergedLoop(
                instance_id=instance.pk,
                business_key=instance.business_key,
                status=instance.status,
                element=loop_task.task_spec.bpmn_id,
                unmerged=len(unmerged),
                running_children=len(running),
                stalled=not open_tasks and instance.next_timer_at is None,
            )


def repair_unmerged_loops(*, instance_id: int, actor: Actor = None) -> int:
    """Merge the finished children a case's loop missed and run it on; how many were merged.

    One transaction under the case's row lock, like every engine step, with its audit row.
    A suspended case is refused: resume it first.
    """
    with transaction.atomic(), operation.buffered():
        instance = locked_instance(instance_id)
        if instance is None or instance.status not in ACTIVE:
            raise EngineError("案件不存在或不在办理中（已挂起的案件须先恢复）")
        wf = load_case(instance, heal=False)
        merged: list[dict] = []

        def step(wf) -> None:
            merged.extend(merge_missed_children(wf))

        if not any(unmerged_children(t) for t in open_loops(wf)):
            return 0
        failed = advance(instance, wf, action="repair", args={}, step=step, actor=actor)
        if failed is None:
            record("loop_children_merged", actor=actor, instance=instance, children=merged)
    fail(failed)  # a failed repair stays visible as an incident on the case
    return len(merged)
