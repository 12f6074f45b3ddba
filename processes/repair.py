"""Finds and repairs cases whose loop / multi-instance step missed children finished elsewhere.

Before ``serialization.connect_loop_children`` existed, a multi-instance child completed in a
process other than the one that created it was never merged into its parent: the parent
stayed STARTED, and a case whose last child finished that way stayed ``running`` with no task,
no timer and no incident. A workflow loaded now has the connection, so repairing such a case
is merging the finished children the parent never saw, then running the engine on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

from . import audit
from .audit import record
from .engine import ACTIVE, _advance, _fail, _locked_instance
from .errors import EngineError
from .models import HumanTask, ProcessInstance, ProcessVersion
from .serialization import loads, spec_for


@dataclass(frozen=True)
class UnmergedLoop:
    """One loop step of a case with finished children its parent never merged."""

    instance_id: int
    business_key: str
    element: str
    unmerged: int
    running_children: int
    stalled: bool  # nothing left that could move the case: no open task and no timer


def _unmerged_children(loop_task) -> list:
    child_spec = loop_task.workflow.spec.task_specs[loop_task.task_spec.task_spec]
    merged = set(loop_task.internal_data.get("merged", []))
    return [
        child
        for child in loop_task.children
        if child.task_spec is child_spec
        and child.state == TaskState.COMPLETED
        and str(child.id) not in merged
    ]


def _open_loops(wf) -> list:
    return [t for t in wf.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, LoopTask)]


def _has_loop(version: ProcessVersion) -> bool:
    loaded = spec_for(version)
    specs = [loaded.spec, *loaded.subprocess_specs.values()]
    return any(isinstance(ts, LoopTask) for spec in specs for ts in spec.task_specs.values())


def find_unmerged_loops(*, instance_ids: list[int] | None = None) -> Iterator[UnmergedLoop]:
    """Every active case (of a process with a loop step) whose loop missed a finished child."""
    versions = [v for v in ProcessVersion.objects.all() if _has_loop(v)]
    cases = ProcessInstance.objects.filter(status__in=ACTIVE, process_version__in=versions)
    if instance_ids:
        cases = cases.filter(pk__in=instance_ids)
    for instance in cases.select_related("process_version").order_by("pk").iterator(chunk_size=200):
        wf = loads(instance.process_version, instance.state)
        open_tasks = instance.human_tasks.filter(state=HumanTask.State.OPEN).exists()
        for loop_task in _open_loops(wf):
            unmerged = _unmerged_children(loop_task)
            if not unmerged:
                continue
            child_spec = wf.spec.task_specs.get(loop_task.task_spec.task_spec)
            running = [
                c
                for c in loop_task.children
                if c.task_spec is child_spec and not c.has_state(TaskState.FINISHED_MASK)
            ]
            yield UnmergedLoop(
                instance_id=instance.pk,
                business_key=instance.business_key,
                element=loop_task.task_spec.bpmn_id,
                unmerged=len(unmerged),
                running_children=len(running),
                stalled=not open_tasks and instance.next_timer_at is None,
            )


def merge_missed_children(*, instance_id: int, actor=None) -> int:
    """Merge every finished child its loop parent missed and run the case on; returns how many.

    One transaction under the case's row lock, like every engine step; writes its audit row.
    """
    with transaction.atomic(), audit.buffered():
        instance = _locked_instance(instance_id)
        if instance is None or instance.status not in ACTIVE:
            raise EngineError("案件不存在或已不在办理中")
        wf = loads(instance.process_version, instance.state)
        if not any(_unmerged_children(t) for t in _open_loops(wf)):
            return 0
        merged: list[dict] = []

        def step(wf) -> None:
            for loop_task in _open_loops(wf):
                for child in _unmerged_children(loop_task):
                    loop_task.task_spec.merge_child(wf, child)
                    merged.append({"element": loop_task.task_spec.bpmn_id, "child": str(child.id)})

        failed = _advance(instance, wf, action="repair", args={}, step=step, actor=actor)
        if failed is None:
            record("loop_children_merged", actor=actor, instance=instance, children=merged)
    _fail(failed)  # the failed repair stays visible as an incident on the case
    return len(merged)
