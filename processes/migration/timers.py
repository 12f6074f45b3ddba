"""After the in-memory migration: restore unchanged tasks, count changed timers from their start."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

from django.utils import timezone
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from .. import deadlines
from ..business_calendar import SHANGHAI
from ..serialization import SERIALIZER
from .names import _attached_task, _is_timer, _parse


def _began(wf, task_id, snapshot) -> datetime:
    """When a waiting task began: a boundary timer's start is when the task it is attached to began."""
    task = wf.get_task_from_id(task_id)
    attached = _attached_task(task) if task is not None else None
    key = attached.id if attached is not None and attached.id in snapshot else task_id
    stamp = snapshot[key][3]
    return datetime.fromtimestamp(stamp, UTC) if stamp else timezone.now()


def _restore_or_recount(wf, snapshot, old_specs, changed_ids, began, area_code) -> set:
    """After ``migrate_workflow``: restore unchanged tasks, count changed timers from their start."""
    registry = SERIALIZER.registry
    recomputed = set()
    for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
        saved = snapshot.get(task.id)
        if saved is None:
            continue  # predicted again from the target
        state, data, internal, stamp = saved
        if _is_timer(task):
            old_definition = getattr(old_specs[task.id], "event_definition", None)
            same = old_definition is not None and registry.convert(old_definition) == registry.convert(
                task.task_spec.event_definition
            )
            if same and state == task.state:
                task.data, task.internal_data, task.last_state_change = data, internal, stamp
            else:
                _recount(task, internal, began[task.id], area_code)
                recomputed.add(task.id)
            continue
        if task.id not in changed_ids and state == task.state:
            task.data, task.internal_data, task.last_state_change = data, internal, stamp
    return recomputed


def _recount(task, old_internal: dict, began: datetime, area_code: str) -> None:
    """A changed timer, evaluated again today by the reset: count it from the day it started."""
    record = deadlines.deadline_record(task)
    saved = old_internal.get("deadline")
    old_record: dict = saved if isinstance(saved, dict) else {}
    definition = task.task_spec.event_definition
    if record and record.get("start"):
        start = (
            date.fromisoformat(old_record["start"])
            if old_record.get("start")
            else began.astimezone(SHANGHAI).date()
        )
        days, unit = int(record["days"]), record["unit"]
        extra: dict = {}
        clock = record.get("clock")
        if isinstance(clock, dict) and clock.get("key"):
            try:
                rule = deadlines.resolve(clock["key"], area_code, start)  # the rule in force that day
            except deadlines.UnknownClock:
                rule = None
            if rule is not None:
                days, unit = rule.days, rule.unit
                extra = {"clock": asdict(rule), "basis": rule.summary}
        last, provisional = deadlines.count_from(start, days, unit)
        paused = int(old_record.get("paused_days") or 0)
        if paused:  # the days its clock already stood still still count
            last, still = deadlines.count_from(last, paused, unit)
            provisional = provisional or still
        due = deadlines.end_of_day(last).isoformat()
        task._set_internal_data(
            deadline={
                **record,
                **extra,
                "start": start.isoformat(),
                "days": days,
                "unit": unit,
                "due": due,
                "provisional": provisional,
                "paused_days": paused,
            },
            event_value=due,
        )
    elif isinstance(definition, DurationTimerEventDefinition):
        value = _parse(task._get_internal_data("event_value"))
        if value is not None:  # a duration counts from when the timer began, not from now
            task._set_internal_data(event_value=(value - (timezone.now() - began)).isoformat())
    elif isinstance(definition, CycleTimerEventDefinition):
        pass  # a cycle starts again from now
    # a date-time timer (no deadline record) is absolute: as evaluated
