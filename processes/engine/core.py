"""The step core: load a case, advance it one step, save it, re-project its tasks, record incidents.

Package-internal: every state change of ``processes.engine`` runs through ``advance`` inside a
transaction that holds the case's row lock (``locked_instance``).  ``advance`` applies the
step, runs the engine to the next wait state, saves the state with an optimistic version check
(``save_state``), re-projects the human tasks (``sync_tasks``), routes thrown messages and
writes the audit rows.  A step that raises is rolled back to a savepoint and recorded as an
Incident instead (``record_incident``): never a half-saved state.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .. import deadlines, hooks, operation
from ..audit import record
from ..bpmn_messages import incident_message
from ..errors import (
    ConcurrentModification,
    InstanceNotActive,
    InstanceNotFound,
    StepFailed,
    UserFacingError,
)
from ..models import HumanTask, Incident, ProcessInstance, ProcessMessage
from ..serialization import dumps, loads, spec_for
from . import loops
from .projection import (
    candidate_for,
    has_provisional_deadline,
    keeps_assignee_of_previous,
    next_timer_at,
    ready_human_tasks,
    task_deadline,
    task_property,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User  # User: the AUTH_USER_MODEL the stubs see

log = logging.getLogger("processes.engine")

ACTIVE = (ProcessInstance.Status.RUNNING, ProcessInstance.Status.INCIDENT)
Step = Callable[[Any], None]
# Who acts: a person, or no one (background work); an anonymous user is recorded as no one.
Actor: TypeAlias = "User | AnonymousUser | None"


def json_safe(value):
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# --- loading and locking ---------------------------------------------------------------


def load_case(instance: ProcessInstance, *, heal: bool = True) -> BpmnWorkflow:
    """The case's workflow, as saved.

    With ``heal`` (always, but for the repair command's survey), loop children that an old
    release let finish without merging are merged now (see ``loops``); ``wf.healed_loops``
    lists them for the audit row ``advance`` writes.
    """
    version = instance.process_version
    wf = loads(version, instance.state)
    wf.healed_loops = loops.merge_missed_children(wf) if heal and spec_for(version).has_loop else []
    return wf


def locked_instance(instance_id: int, *, skip_locked: bool = False) -> ProcessInstance | None:
    qs = ProcessInstance.objects.select_related("process_version").select_for_update(
        skip_locked=skip_locked, of=("self",)
    )
    return qs.filter(pk=instance_id).first()


def instance_or_404(instance_id: int) -> ProcessInstance:
    instance = locked_instance(instance_id)
    if instance is None:
        raise InstanceNotFound("案件不存在")
    return instance


def require_active(instance: ProcessInstance) -> None:
    if instance.status not in ACTIVE:
        raise InstanceNotActive(f"案件当前状态为“{instance.get_status_display()}”，不能办理")


# --- one step --------------------------------------------------------------------------


def save_state(instance: ProcessInstance, wf) -> None:
    """Write the state with an optimistic check on ``version`` (lost updates are refused)."""
    now = timezone.now()
    status: str
    if wf.completed:
        status = ProcessInstance.Status.COMPLETED
    elif instance.status == ProcessInstance.Status.SUSPENDED:
        status = instance.status
    elif (
        instance.status == ProcessInstance.Status.INCIDENT  # a RUNNING case has no open incident
        and instance.incidents.filter(status=Incident.Status.OPEN).exists()
    ):
        status = ProcessInstance.Status.INCIDENT
    else:
        status = ProcessInstance.Status.RUNNING
    fields = {
        "state": dumps(wf),
        "status": status,
        "next_timer_at": None if wf.completed else next_timer_at(wf),
        "provisional_deadlines": not wf.completed and has_provisional_deadline(wf),
        "updated_at": now,
        "completed_at": now if wf.completed else None,
    }
    if instance._state.adding:  # a new case: its first save is its INSERT
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.version += 1  # as if saved once before its first steps
        instance.save(force_insert=True)
        return
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=instance.version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        raise ConcurrentModification("案件已被他人更新，请刷新后重试")
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version += 1


def sync_tasks(
    instance: ProcessInstance, wf, *, completed: HumanTask | None = None, actor: Actor = None
) -> list[tuple[HumanTask, dict]]:
    """Project READY manual tasks into HumanTask rows; cancel rows no longer ready.

    ``completed`` is the task whose completion by ``actor`` this step is: a new task whose
    ``keep_assignee`` property is true stays with that person (assigned, ``claimed_at`` set, see
    ``_kept_by``) instead of going back to the department's queue.
    """
    fresh = getattr(instance, "_fresh", False)  # just inserted: it cannot have task rows yet
    setattr(instance, "_fresh", False)  # noqa: B010
    open_rows = (
        {}
        if fresh
        else {row.task_uuid: row for row in instance.human_tasks.filter(state=HumanTask.State.OPEN)}
    )
    created: list[tuple[HumanTask, dict]] = []
    for task in ready_human_tasks(wf):
        due = _due_fields(task)
        existing = open_rows.pop(task.id, None)
        if existing is not None:
            if getattr(wf, "deadlines_moved", False):
                _refresh_due(instance, existing, due)
            continue
        department, role = candidate_for(wf, task)
        row = HumanTask(
            instance=instance,
            task_uuid=task.id,
            bpmn_id=task.task_spec.bpmn_id,
            name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            case_type=instance.case_type,
            case_title=instance.title,
            subject_name=instance.subject_name,
            subject_code=instance.subject_code,
            area_code=instance.area_code,
            candidate_department=department,
            candidate_role=role,
            form_key=task_property(task, "form_key"),
            escalation_department=task_property(task, "escalation_department"),
            **due,
        )
        if completed is not None and keeps_assignee_of_previous(task):
            keeper = _kept_by(row, completed, actor)
            if keeper is not None:
                row.assignee, row.claimed_at = keeper, timezone.now()
        row.save(force_insert=True)
        created.append((row, dict(task.data)))
    for row in open_rows.values():
        row.state = HumanTask.State.CANCELLED
        row.completed_at = timezone.now()
        row.save(update_fields=["state", "completed_at"])
        record("task_cancelled", instance=instance, human_task=row)
        hooks.run_task_cancelled(instance, row)
    return created


def _due_fields(task) -> dict:
    due_at, deadline = task_deadline(task)
    deadline = deadline or {}
    return {
        "due_at": due_at,
        "due_clock": (deadline.get("clock") or {}).get("key", ""),
        "due_basis": str(deadline.get("basis", ""))[: HumanTask._meta.get_field("due_basis").max_length],
        "due_provisional": bool(deadline.get("provisional")),
    }


def _refresh_due(instance: ProcessInstance, row: HumanTask, due: dict) -> None:
    """An open task whose timer a step moved (``wf.deadlines_moved``: a clock resumed, a provisional
    deadline recomputed).  Other steps leave an open task's deadline alone: 督办 may have set one."""
    changed = [name for name, value in due.items() if getattr(row, name) != value]
    if not changed:
        return
    before = row.due_at
    for name in changed:
        setattr(row, name, due[name])
    row.save(update_fields=changed)
    if "due_at" in changed:
        record(
            "task_deadline_changed",
            instance=instance,
            human_task=row,
            before=before.isoformat() if before else None,
            after=row.due_at.isoformat() if row.due_at else None,
            provisional=row.due_provisional,
        )


def _kept_by(row: HumanTask, completed: HumanTask, actor: Actor) -> User | None:
    """The person who keeps a new ``keep_assignee`` task: who completed ``completed``, if they may.

    Only a signed-in person who completed the case's task offered to the same role, and who
    still holds the post (department and role) the new task is offered to — the domain's
    authorizer decides, as for a claim.  Anyone else leaves the task to the department's queue.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return None
    if completed.completed_by_id != actor.pk:  # (same case: sync_tasks runs per instance)
        return None
    if completed.candidate_role != row.candidate_role:
        return None
    try:
        hooks.authorize(actor, row, "claim")
    except UserFacingError:
        return None
    return actor  # type: ignore[return-value]  # an authenticated actor is a User


def route_messages(instance: ProcessInstance, events: list) -> None:
    """Persist every message the case threw and hand it to its registered handler.

    A message with a handler is saved as handled at once (one INSERT, no UPDATE after): the
    handler runs in this step's savepoint, so if it fails the message row goes with the step.
    """
    for event in events:
        name = event.event_definition.name
        payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
        handler = hooks.message_handler(name)
        message = ProcessMessage.objects.create(
            name=name,
            payload=json_safe(payload),
            source=instance,
            **(
                {"status": ProcessMessage.Status.HANDLED, "delivered_at": timezone.now()}
                if handler is not None
                else {}
            ),
        )
        record("message_thrown", instance=instance, name=name, message_id=message.pk, routed=bool(handler))
        if handler is not None:
            handler(message=message, instance=instance)


def advance(
    instance: ProcessInstance,
    wf,
    *,
    action: str,
    args: dict,
    step: Step,
    actor: Actor = None,
    incident: Incident | None = None,
    completed: HumanTask | None = None,
) -> Incident | None:
    """Apply ``step``, run to the next wait state and persist; on failure record an Incident.

    Must be called inside a transaction that holds the instance row lock.  Returns the
    incident (new or updated) if the step failed, else None.  Refusals a user should see
    (``UserFacingError``: the engine's ``EngineError`` or the domain's own, e.g. invalid data)
    propagate unchanged.  ``completed`` is the task the step completes (by ``actor``): the new
    tasks ``actor`` keeps (``keep_assignee``) are left in ``completed.next_tasks``.
    """
    position = operation.mark()
    try:
        with transaction.atomic(), deadlines.case_scope(instance.area_code):
            step(wf)
            if getattr(wf, "healed_loops", None):  # children an old release left unmerged
                record("loop_children_merged", actor=actor, instance=instance, children=wf.healed_loops)
                wf.healed_loops = []
            wf.do_engine_steps()
            events = wf.get_events()  # taken out before saving, so a saved case never re-throws them
            save_state(instance, wf)
            created = sync_tasks(instance, wf, completed=completed, actor=actor)
            kept = []
            for row, data in created:
                record("task_created", instance=instance, human_task=row, department=row.candidate_department)
                if completed is not None and row.assignee_id is not None:  # kept by who completed it
                    kept.append(row)
                    record(
                        "task_claimed",
                        actor=actor,
                        instance=instance,
                        human_task=row,
                        kept_after=completed.pk,
                    )
                hooks.run_task_created(instance, row, data)
            if completed is not None:
                setattr(completed, "next_tasks", kept)  # noqa: B010
            route_messages(instance, events)
            if wf.completed:
                record("instance_completed", instance=instance)
        return None
    except UserFacingError:
        operation.discard_since(position)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a step becomes an incident
        operation.discard_since(position)
        if hasattr(instance, "_initial_state"):  # a new case: its INSERT was rolled back too
            insert_initial(instance)
        return record_incident(instance, action=action, args=args, exc=exc, actor=actor, incident=incident)


def advance_or_incident(instance: ProcessInstance, wf, **kwargs) -> Incident | None:
    """For background work (sweeps, deliveries): a refusal becomes an incident too."""
    try:
        return advance(instance, wf, **kwargs)
    except UserFacingError as exc:
        return record_incident(
            instance,
            action=kwargs["action"],
            args=kwargs["args"],
            exc=exc,
            actor=kwargs.get("actor"),
            incident=kwargs.get("incident"),
        )


def insert_initial(instance: ProcessInstance) -> None:
    """A new case whose first steps failed: save it as it was before them (then its incident)."""
    initial = instance._initial_state  # type: ignore[attr-defined]
    instance.pk = None
    instance._state.adding = True
    instance.state, instance.version = initial(), 1
    instance.status, instance.next_timer_at, instance.completed_at = (
        ProcessInstance.Status.RUNNING,
        None,
        None,
    )
    instance.save(force_insert=True)


# --- incidents -------------------------------------------------------------------------


def record_incident(
    instance: ProcessInstance,
    *,
    action: str,
    args: dict,
    exc: BaseException,
    actor: Actor,
    incident: Incident | None,
) -> Incident:
    spec = getattr(exc, "task_spec", None)
    bpmn_id = getattr(spec, "bpmn_id", "") or ""
    original = str(exc) or exc.__class__.__name__
    inner = exc.__cause__ or exc.__context__  # SpiffWorkflow wraps the real error
    if inner is not None and str(inner) and str(inner) not in original:
        original = f"{original}：{inner}"
    message = incident_message(exc)  # Chinese, for the incident table, timeline and retry answer
    # the engine's English original stays with the traceback, for engineers
    tb = f"{original}\n\n" + "".join(traceback.format_exception(exc))
    if incident is None:
        incident = Incident.objects.create(
            instance=instance,
            action=action,
            action_args=json_safe(args),
            task_bpmn_id=bpmn_id,
            message=message,
            traceback=tb,
        )
    else:
        incident.retries += 1
        incident.message, incident.traceback, incident.task_bpmn_id = message, tb, bpmn_id
        incident.save(update_fields=["retries", "message", "traceback", "task_bpmn_id"])
    if instance.status in ACTIVE:  # a suspended case stays suspended, with its incident listed
        ProcessInstance.objects.filter(pk=instance.pk).update(status=ProcessInstance.Status.INCIDENT)
        instance.status = ProcessInstance.Status.INCIDENT
    record(
        "incident_raised",
        actor=actor,
        instance=instance,
        incident_id=incident.pk,
        failed_action=action,
        element=bpmn_id,
        message=message,
    )
    log.warning("incident %s on instance %s (%s): %s", incident.pk, instance.pk, action, message)
    return incident


def fail(incident: Incident | None) -> None:
    """Raise ``StepFailed`` for the incident a step left (nothing if it went through)."""
    if incident is not None:
        raise StepFailed(
            f"流程执行出错，已记录为流程异常 #{incident.pk}（{incident.message[:200]}），管理员处理后可重试",
            incident_id=incident.pk,
        )


def resolve_incident(incident: Incident, instance: ProcessInstance, *, actor: Actor) -> None:
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.retries += 1
    incident.save(update_fields=["status", "resolved_at", "retries"])
    if not instance.incidents.filter(status=Incident.Status.OPEN).exists():
        ProcessInstance.objects.filter(pk=instance.pk, status=ProcessInstance.Status.INCIDENT).update(
            status=ProcessInstance.Status.RUNNING
        )
    record("incident_resolved", actor=actor, instance=instance, incident_id=incident.pk)
