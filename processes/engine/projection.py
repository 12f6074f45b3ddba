"""Derive what the database indexes from a workflow: ready human tasks, their due times,
and the instance's next timer.  Only the engine calls this, after every step."""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ..bpmn_validation import candidate_of, keeps_assignee
from ..deadlines import deadline_record


def parse_due(value) -> datetime | None:
    if isinstance(value, dict):  # cycle timers keep {"cycles", "next", "duration"}
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _has_timer(definition) -> bool:
    if isinstance(definition, TimerEventDefinition):
        return True
    if isinstance(definition, MultipleEventDefinition):  # e.g. an event-based gateway
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return False


def next_timer_at(wf: BpmnWorkflow) -> datetime | None:
    """Earliest due time of any waiting timer, including timers behind event-based gateways."""
    dues = [parse_due(task._get_internal_data("event_value")) for task in waiting_timers(wf)]
    known = [d for d in dues if d is not None]
    return min(known) if known else None


def waiting_message_definition(wf: BpmnWorkflow, name: str):
    """The message event definition named ``name`` that a waiting task of the case catches."""
    for task in wf.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        candidates = (
            definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        )
        for candidate in candidates:
            if isinstance(candidate, MessageEventDefinition) and candidate.name == name:
                return candidate
    return None


def _timer_siblings(task) -> list:
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return []
    return [
        sibling
        for sibling in parent.children
        if isinstance(sibling.task_spec, BoundaryEvent)
        and isinstance(sibling.task_spec.event_definition, TimerEventDefinition)
        and sibling.state in (TaskState.WAITING, TaskState.COMPLETED)
    ]


def task_deadline(task) -> tuple[datetime | None, dict | None]:
    """Due time of a user task = the earliest boundary timer attached to it (fired or not),
    with that timer's deadline record (rule, legal basis, provisional; see ``deadlines``)."""
    best: tuple[datetime | None, dict | None] = (None, None)
    for sibling in _timer_siblings(task):
        due = parse_due(sibling._get_internal_data("event_value"))
        if due is not None and (best[0] is None or due < best[0]):
            best = (due, deadline_record(sibling))
    return best


def waiting_timers(wf: BpmnWorkflow) -> list:
    """Timer tasks still waiting (boundary, intermediate and behind event-based gateways)."""
    return [
        task
        for task in wf.get_tasks(state=TaskState.WAITING)
        if _has_timer(getattr(task.task_spec, "event_definition", None))
    ]


def has_provisional_deadline(wf: BpmnWorkflow) -> bool:
    return any((deadline_record(task) or {}).get("provisional") for task in waiting_timers(wf))


def ready_human_tasks(wf: BpmnWorkflow) -> list:
    return wf.get_tasks(state=TaskState.READY, manual=True)


def keeps_assignee_of_previous(task) -> bool:
    """Whether a ready task stays with who completed the task before it (``keep_assignee``)."""
    return keeps_assignee(task.task_spec)


def task_property(task, name: str) -> str:
    """A spiffworkflow:property of the task's element, stripped ("" when absent)."""
    properties = (getattr(task.task_spec, "extensions", None) or {}).get("properties") or {}
    value = properties.get(name)
    return value.strip() if isinstance(value, str) else ""


def candidate_for(wf: BpmnWorkflow, task) -> tuple[str, str]:
    """(department code, role) for a ready task, by the property/lane convention."""
    expression, lane, role = candidate_of(task.task_spec)
    if expression:
        department = wf.script_engine.evaluate(task, expression)
    else:
        department = lane
    return str(department or ""), role


def utc(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC) if dt else None
