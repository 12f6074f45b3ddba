"""The engine service: the only code that drives SpiffWorkflow.

Every public function is one state change of a case.  It runs in one transaction that
takes the instance row lock, loads the workflow, changes it, runs the engine to the next
wait state, saves the state with an optimistic version check, re-projects the human
tasks, routes thrown messages and writes the audit row.  A step that raises is rolled
back to a savepoint and recorded as an Incident instead: never a half-saved state.
"""

from __future__ import annotations

import copy
import logging
import traceback
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Mod
from django.utils import timezone
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from . import audit, hooks
from .audit import record
from .errors import (
    ConcurrentModification,
    EngineError,
    InstanceNotActive,
    InstanceNotFound,
    InvalidTaskData,
    NotAllowed,
    StepFailed,
    TaskAlreadyClaimed,
    TaskNotOpen,
)
from .models import HumanTask, Incident, ProcessInstance, ProcessMessage, ProcessVersion
from .projection import (
    candidate_for,
    next_timer_at,
    ready_human_tasks,
    task_due_at,
    waiting_message_definition,
)
from .queueing import enqueue_after_commit
from .serialization import dumps, loads, new_workflow

log = logging.getLogger(__name__)

ACTIVE = (ProcessInstance.Status.RUNNING, ProcessInstance.Status.INCIDENT)
Step = Callable[[Any], None]


# --- internals -----------------------------------------------------------------------


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _instance_or_404(instance_id: int) -> ProcessInstance:
    instance = _locked_instance(instance_id)
    if instance is None:
        raise InstanceNotFound("案件不存在")
    return instance


def _locked_instance(instance_id: int, *, skip_locked: bool = False) -> ProcessInstance | None:
    qs = ProcessInstance.objects.select_related("process_version").select_for_update(
        skip_locked=skip_locked, of=("self",)
    )
    return qs.filter(pk=instance_id).first()


def _require_active(instance: ProcessInstance) -> None:
    if instance.status not in ACTIVE:
        raise InstanceNotActive(f"案件当前状态为“{instance.get_status_display()}”，不能办理")


def _save_state(instance: ProcessInstance, wf) -> None:
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


def _sync_tasks(instance: ProcessInstance, wf) -> list[tuple[HumanTask, dict]]:
    """Project READY manual tasks into HumanTask rows; cancel rows no longer ready."""
    fresh = getattr(instance, "_fresh", False)  # just inserted: it cannot have task rows yet
    setattr(instance, "_fresh", False)  # noqa: B010
    open_rows = (
        {}
        if fresh
        else {row.task_uuid: row for row in instance.human_tasks.filter(state=HumanTask.State.OPEN)}
    )
    created: list[tuple[HumanTask, dict]] = []
    for task in ready_human_tasks(wf):
        if open_rows.pop(task.id, None) is not None:
            continue
        department, role = candidate_for(wf, task)
        row = HumanTask.objects.create(
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
            due_at=task_due_at(task),
        )
        created.append((row, dict(task.data)))
    for row in open_rows.values():
        row.state = HumanTask.State.CANCELLED
        row.completed_at = timezone.now()
        row.save(update_fields=["state", "completed_at"])
        record("task_cancelled", instance=instance, human_task=row)
        hooks.run_task_cancelled(instance, row)
    return created


def _route_messages(instance: ProcessInstance, events: list) -> None:
    """Persist every message the case threw and hand it to its registered handler."""
    for event in events:
        name = event.event_definition.name
        payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
        message = ProcessMessage.objects.create(name=name, payload=_json_safe(payload), source=instance)
        handler = hooks.message_handler(name)
        record("message_thrown", instance=instance, name=name, message_id=message.pk, routed=bool(handler))
        if handler is not None:
            handler(message=message, instance=instance)
            message.status = ProcessMessage.Status.HANDLED
            message.delivered_at = timezone.now()
            message.save(update_fields=["status", "delivered_at"])


def _advance(
    instance: ProcessInstance,
    wf,
    *,
    action: str,
    args: dict,
    step: Step,
    actor=None,
    incident: Incident | None = None,
) -> Incident | None:
    """Apply ``step``, run to the next wait state and persist; on failure record an Incident.

    Must be called inside a transaction that holds the instance row lock.  Returns the
    incident (new or updated) if the step failed, else None.  EngineErrors (refusals a user
    should see, e.g. invalid data) propagate unchanged.
    """
    position = audit.mark()
    try:
        with transaction.atomic():
            step(wf)
            if getattr(wf, "healed_loops", None):  # children an old release left unmerged
                record("loop_children_merged", actor=actor, instance=instance, children=wf.healed_loops)
                wf.healed_loops = []
            wf.do_engine_steps()
            events = wf.get_events()  # taken out before saving, so a saved case never re-throws them
            _save_state(instance, wf)
            created = _sync_tasks(instance, wf)
            for row, data in created:
                record("task_created", instance=instance, human_task=row, department=row.candidate_department)
                hooks.run_task_created(instance, row, data)
            _route_messages(instance, events)
            if wf.completed:
                record("instance_completed", instance=instance)
        return None
    except EngineError:
        audit.discard_since(position)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a step becomes an incident
        audit.discard_since(position)
        if hasattr(instance, "_initial_state"):  # a new case: its INSERT was rolled back too
            _insert_initial(instance)
        return _record_incident(instance, action=action, args=args, exc=exc, actor=actor, incident=incident)


def _record_incident(instance, *, action, args, exc, actor, incident) -> Incident:
    spec = getattr(exc, "task_spec", None)
    bpmn_id = getattr(spec, "bpmn_id", "") or ""
    message = str(exc) or exc.__class__.__name__
    inner = exc.__cause__ or exc.__context__  # SpiffWorkflow wraps the real error
    if inner is not None and str(inner) and str(inner) not in message:
        message = f"{message}：{inner}"
    tb = "".join(traceback.format_exception(exc))
    if incident is None:
        incident = Incident.objects.create(
            instance=instance,
            action=action,
            action_args=_json_safe(args),
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


def _fail(incident: Incident | None) -> None:
    if incident is not None:
        raise StepFailed(
            f"流程执行出错，已记录为流程异常 #{incident.pk}（{incident.message[:200]}），管理员处理后可重试",
            incident_id=incident.pk,
        )


# --- starting cases --------------------------------------------------------------------


def _active_version(key: str) -> ProcessVersion:
    """The version new cases of ``key`` start on (looked up once per batch of operations)."""
    version = audit.memoised(
        ("active-version", key),
        lambda: (
            ProcessVersion.objects.select_related("definition")
            .filter(definition__key=key, is_active=True)
            .first()
        ),
    )
    if version is None:
        raise EngineError(f"流程“{key}”尚未部署")
    return version


def start_process(
    *,
    key: str,
    data: dict | None = None,
    business_key: str = "",
    title: str = "",
    actor=None,
    parent_task: HumanTask | None = None,
    subject: tuple[str, str] = ("", ""),
    area_code: str = "",
) -> ProcessInstance:
    """Start a case on the active version of process ``key``.

    The case is created even if its first steps fail: it then carries an Incident.
    """
    version = _active_version(key)
    definition = version.definition
    # No savepoint of its own: a failing step is caught by _advance's savepoint, and anything
    # else failing here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False), audit.buffered():
        payload = dict(data or {})
        wf = new_workflow(version, copy.deepcopy(payload))  # its steps must not change ``payload``
        # Not saved yet: its first save (in _save_state) is its INSERT, with the state after the
        # first steps.  If they fail, the case is saved with its initial state and the incident.
        instance = ProcessInstance(
            process_version=version,
            case_type=key,
            business_key=business_key,
            title=title or (definition.name if definition else key),
            state="",
            parent_task=parent_task,
            started_by=actor,
            subject_name=subject[0],
            subject_code=subject[1],
            area_code=area_code,
        )
        setattr(instance, "_fresh", True)  # noqa: B010
        setattr(instance, "_initial_state", lambda: dumps(new_workflow(version, payload)))  # noqa: B010
        record(
            "instance_started",
            actor=actor,
            instance=instance,
            version=version.version,
            business_key=business_key,
        )
        _advance(instance, wf, action="start", args={}, step=lambda wf: None, actor=actor)
        del instance._initial_state  # type: ignore[attr-defined]
    return instance


def _insert_initial(instance: ProcessInstance) -> None:
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


# --- human tasks -------------------------------------------------------------------------


def claim_task(*, task_id: int, user) -> HumanTask:
    """认领: assign an open task to ``user``; exactly one of two concurrent claims wins."""
    with transaction.atomic(), audit.buffered():
        row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
        _require_active(row.instance)
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


def release_task(*, task_id: int, user) -> HumanTask:
    """退回待认领: the assignee gives the task back to the department queue."""
    with transaction.atomic(), audit.buffered():
        row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
        if row.state != HumanTask.State.OPEN:
            raise TaskNotOpen("任务已办结或已取消")
        if row.assignee_id != user.pk:
            raise NotAllowed("只有任务的办理人可以释放任务")
        HumanTask.objects.filter(pk=task_id, assignee=user).update(assignee=None, claimed_at=None)
        row.refresh_from_db()
        record("task_released", actor=user, instance=row.instance, human_task=row)
    return row


def complete_task(*, task_id: int, user, data: dict | None = None) -> HumanTask:
    """办结: validate the form, complete the task and run the case on to its next wait state."""
    row = HumanTask.objects.select_related("instance").defer("instance__state").get(pk=task_id)
    if row.state != HumanTask.State.OPEN:
        raise TaskNotOpen("任务已办结或已取消")
    if row.assignee_id != user.pk:
        raise NotAllowed("请先认领任务再办理")
    hooks.authorize(user, row, "complete")
    cleaned = hooks.clean_task_data(row, dict(data or {}))
    with transaction.atomic(), audit.buffered():
        instance = _locked_instance(row.instance_id)
        assert instance is not None
        _require_active(instance)
        incident, done = _complete_locked(instance, task_id=task_id, user=user, cleaned=cleaned, row=row)
    _fail(incident)
    done.instance = instance
    return done


def _complete_locked(
    instance, *, task_id: int, user, cleaned: dict, incident=None, row: HumanTask | None = None
) -> tuple[Incident | None, HumanTask]:
    """Complete the task of a case whose row lock the caller holds."""
    if row is None:
        row = HumanTask.objects.get(pk=task_id)
    wf = loads(instance.process_version, instance.state)

    def step(wf) -> None:
        now, form_data = timezone.now(), _json_safe(cleaned)
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
        task = wf.get_task_from_id(UUID(str(row.task_uuid)))
        if task is None or task.state != TaskState.READY:
            raise TaskNotOpen("任务已不在待办状态")
        if not hooks.has_form(row.case_type, row.bpmn_id):
            # Without a declared form a submission may add data, never overwrite the case's own.
            clash = sorted(set(cleaned) & set(task.data))
            if clash:
                raise InvalidTaskData(
                    f"不能通过办理提交修改案件已有数据：{'、'.join(clash)}",
                    details={key: "案件已有数据，不可覆盖" for key in clash},
                )
        task.set_data(**cleaned)
        task.run()
        row.state, row.completed_at, row.completed_by, row.form_data = (
            HumanTask.State.COMPLETED,
            now,
            user,
            form_data,
        )
        record("task_completed", actor=user, instance=instance, human_task=row, data=form_data)
        hooks.run_task_completed(instance, row, cleaned, user)

    args = {"task_id": task_id, "user_id": user.pk, "data": cleaned}
    had_incident = incident is not None or instance.status == ProcessInstance.Status.INCIDENT
    failed = _advance(instance, wf, action="complete", args=args, step=step, actor=user, incident=incident)
    if failed is None and had_incident:
        # Earlier failed attempts at this same completion are moot now that it went through.
        stale = instance.incidents.filter(
            status=Incident.Status.OPEN, action="complete", action_args__task_id=task_id
        )
        for old in stale.exclude(pk=incident.pk if incident else None):
            _resolve(old, instance, actor=user)
    return failed, row


def set_task_deadline(*, task_id: int, due_at, actor=None) -> HumanTask:
    """Move an open task's deadline (督办 sets a new one); the change is audited."""
    with transaction.atomic(), audit.buffered():
        row = (
            HumanTask.objects.select_for_update()
            .select_related("instance")
            .defer("instance__state")
            .get(pk=task_id)
        )
        if row.state != HumanTask.State.OPEN:
            raise TaskNotOpen("任务已办结或已取消")
        before = row.due_at
        row.due_at = due_at
        row.save(update_fields=["due_at"])
        record(
            "task_deadline_changed",
            actor=actor,
            instance=row.instance,
            human_task=row,
            before=before.isoformat() if before else None,
            after=due_at.isoformat(),
        )
    return row


# --- messages and timers --------------------------------------------------------------


def post_message(
    *, target: ProcessInstance, name: str, payload: dict | None = None, source=None
) -> ProcessMessage:
    """Persist a message for a case; it is delivered after commit (and by every sweep)."""
    message = ProcessMessage.objects.create(
        name=name, payload=_json_safe(payload or {}), source=source, target=target
    )
    record("message_posted", instance=target, name=name, message_id=message.pk)
    from .tasks import deliver_messages

    enqueue_after_commit(deliver_messages)  # every timer sweep delivers what is left
    return message


def deliver_message(*, instance_id: int, name: str, payload: dict | None = None, actor=None) -> bool:
    """Deliver message ``name`` to a case waiting for it; False if nothing there waits."""
    with transaction.atomic(), audit.buffered():
        instance = _locked_instance(instance_id)
        if instance is None or instance.status not in ACTIVE:
            return False
        wf = loads(instance.process_version, instance.state)
        definition = waiting_message_definition(wf, name)
        if definition is None:
            return False
        event = BpmnEvent(definition, payload=dict(payload or {}))
        record("message_delivered", actor=actor, instance=instance, name=name)
        incident = _advance_or_incident(
            instance,
            wf,
            action="message",
            args={"name": name, "payload": payload or {}},
            step=lambda wf: wf.catch(event),
            actor=actor,
        )
    if incident is not None:
        log.warning("message %s consumed by instance %s with incident %s", name, instance_id, incident.pk)
    return True


def deliver_pending_messages(limit: int = 500) -> int:
    """Deliver persisted messages whose target now waits for them.

    Messages whose target does not wait yet are tried again later; each attempt moves a
    message to the back of the line, so a pile of undeliverable ones never starves new ones.
    """
    delivered = 0
    pending = ProcessMessage.objects.filter(
        status=ProcessMessage.Status.PENDING, target__status__in=ACTIVE
    ).order_by(F("attempted_at").asc(nulls_first=True), "pk")[:limit]
    for message in list(pending):
        assert message.target_id is not None
        try:
            done = deliver_message(instance_id=message.target_id, name=message.name, payload=message.payload)
        except EngineError as exc:  # e.g. the target's BPMN version no longer loads
            log.error("message %s to instance %s not delivered: %s", message.pk, message.target_id, exc)
            done = False
        now = timezone.now()
        if done:
            ProcessMessage.objects.filter(pk=message.pk).update(
                status=ProcessMessage.Status.DELIVERED, delivered_at=now, attempted_at=now
            )
            delivered += 1
        else:
            ProcessMessage.objects.filter(pk=message.pk).update(attempted_at=now)
    # Messages to ended cases will never be caught.
    ProcessMessage.objects.filter(
        status=ProcessMessage.Status.PENDING,
        target__status__in=[ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED],
    ).update(status=ProcessMessage.Status.HANDLED)
    return delivered


def _advance_or_incident(instance, wf, **kwargs) -> Incident | None:
    """For background work (sweeps, deliveries): a refusal becomes an incident too."""
    try:
        return _advance(instance, wf, **kwargs)
    except EngineError as exc:
        return _record_incident(
            instance,
            action=kwargs["action"],
            args=kwargs["args"],
            exc=exc,
            actor=kwargs.get("actor"),
            incident=kwargs.get("incident"),
        )


def fire_due_timers(*, limit: int = 1000, shard: tuple[int, int] | None = None) -> int:
    """Fire the timers that are due now; returns the number of cases advanced.

    Each case is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and
    re-checked under the lock, so concurrent sweeps never fire a timer twice; a sweep that
    dies mid-way rolls back its open case, which the next sweep fires (exactly once).  A case
    whose timer step fails gets an incident and is left out until it is retried; the
    sweep goes on with the other cases.

    ``shard=(i, n)`` takes only the cases whose id is ``i`` modulo ``n``, so ``n`` workers can
    sweep side by side without queueing on each other's row locks.
    """
    now = timezone.now()
    failing = Incident.objects.filter(status=Incident.Status.OPEN, action="timers").values("instance_id")
    due = ProcessInstance.objects.filter(status__in=ACTIVE, next_timer_at__lte=now).exclude(pk__in=failing)
    if shard is not None:
        due = due.alias(shard=Mod("pk", shard[1])).filter(shard=shard[0])
    due_ids = list(due.order_by("next_timer_at").values_list("pk", flat=True)[:limit])
    with audit.memo_scope():  # one look-up of the active versions and of the supervisors per sweep
        return _fire(due_ids, now)


def _fire(due_ids: list[int], now) -> int:
    fired = 0
    for pk in due_ids:
        with transaction.atomic(), audit.buffered():
            instance = _locked_instance(pk, skip_locked=True)
            if (
                instance is None
                or instance.status not in ACTIVE
                or instance.next_timer_at is None
                or instance.next_timer_at > now
                or (  # only a case in INCIDENT can hold an open incident
                    instance.status == ProcessInstance.Status.INCIDENT
                    and instance.incidents.filter(status=Incident.Status.OPEN, action="timers").exists()
                )
            ):
                continue
            record("timers_fired", instance=instance, due=instance.next_timer_at.isoformat())
            try:
                wf = loads(instance.process_version, instance.state)
            except EngineError as exc:
                _record_incident(instance, action="timers", args={}, exc=exc, actor=None, incident=None)
                continue
            _advance_or_incident(instance, wf, action="timers", args={}, step=lambda wf: wf.refresh_timers())
            fired += 1
    return fired


# --- administration -----------------------------------------------------------------


def _linked_cases(instance: ProcessInstance):
    """Cases started for this case's tasks (e.g. 效能督办) that have not ended."""
    return ProcessInstance.objects.filter(parent_task__instance=instance).exclude(
        status__in=[ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED]
    )


def _set_status(instance: ProcessInstance, *, actor, status: str, action: str, reason: str = "") -> None:
    before = instance.status
    ProcessInstance.objects.filter(pk=instance.pk).update(status=status, version=F("version") + 1)
    instance.refresh_from_db()
    record(action, actor=actor, instance=instance, before=before, after=status, reason=reason)


def suspend_instance(*, instance_id: int, actor, reason: str = "") -> ProcessInstance:
    """挂起: timers stop firing and no task can be completed until resumed (linked cases too)."""
    with transaction.atomic(), audit.buffered():
        instance = _instance_or_404(instance_id)
        if instance.status not in ACTIVE:
            raise InstanceNotActive(f"案件当前状态为“{instance.get_status_display()}”，不能挂起")
        _set_status(
            instance,
            actor=actor,
            status=ProcessInstance.Status.SUSPENDED,
            action="instance_suspended",
            reason=reason,
        )
        for child in _linked_cases(instance).filter(status__in=ACTIVE):
            suspend_instance(instance_id=child.pk, actor=actor, reason=f"关联案件 #{instance.pk} 挂起")
    return instance


def resume_instance(*, instance_id: int, actor) -> ProcessInstance:
    with transaction.atomic(), audit.buffered():
        instance = _instance_or_404(instance_id)
        if instance.status != ProcessInstance.Status.SUSPENDED:
            raise InstanceNotActive("案件未挂起")
        has_incident = instance.incidents.filter(status=Incident.Status.OPEN).exists()
        status = ProcessInstance.Status.INCIDENT if has_incident else ProcessInstance.Status.RUNNING
        _set_status(instance, actor=actor, status=status, action="instance_resumed")
        # Messages that arrived while suspended are caught now, before any overdue timer.
        for message in ProcessMessage.objects.filter(target=instance, status=ProcessMessage.Status.PENDING):
            if deliver_message(
                instance_id=instance.pk, name=message.name, payload=message.payload, actor=actor
            ):
                ProcessMessage.objects.filter(pk=message.pk).update(
                    status=ProcessMessage.Status.DELIVERED, delivered_at=timezone.now()
                )
        for child in _linked_cases(instance).filter(status=ProcessInstance.Status.SUSPENDED):
            resume_instance(instance_id=child.pk, actor=actor)
    return instance


def terminate_instance(*, instance_id: int, actor, reason: str) -> ProcessInstance:
    """终止: end the case; its open tasks are cancelled, its incidents closed, linked cases ended."""
    if not reason.strip():
        raise EngineError("终止案件必须填写原因")
    with transaction.atomic(), audit.buffered():
        instance = _instance_or_404(instance_id)
        if instance.status in (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED):
            raise InstanceNotActive("案件已结束")
        now = timezone.now()
        _set_status(
            instance,
            actor=actor,
            status=ProcessInstance.Status.TERMINATED,
            action="instance_terminated",
            reason=reason,
        )
        for row in instance.human_tasks.filter(state=HumanTask.State.OPEN):
            row.state, row.completed_at = HumanTask.State.CANCELLED, now
            row.save(update_fields=["state", "completed_at"])
            record("task_cancelled", actor=actor, instance=instance, human_task=row)
            hooks.run_task_cancelled(instance, row)
        instance.incidents.filter(status=Incident.Status.OPEN).update(
            status=Incident.Status.RESOLVED, resolved_at=now
        )
        ProcessInstance.objects.filter(pk=instance.pk).update(next_timer_at=None, completed_at=now)
        for child in _linked_cases(instance):
            terminate_instance(
                instance_id=child.pk, actor=actor, reason=f"关联案件 #{instance.pk} 已终止：{reason}"
            )
        instance.refresh_from_db()
    return instance


def retry_incident(*, incident_id: int, actor) -> Incident:
    """Re-run the failed step; resolves the incident on success, else records the new error."""
    from django.contrib.auth import get_user_model

    with transaction.atomic(), audit.buffered():
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        if incident.status != Incident.Status.OPEN:
            raise EngineError("该异常已处理")
        instance = _instance_or_404(incident.instance_id)
        if instance.status not in ACTIVE:
            raise InstanceNotActive(f"案件当前状态为“{instance.get_status_display()}”，不能重试")
        args = incident.action_args or {}
        failed: Incident | None
        if incident.action == "complete":
            user = get_user_model().objects.get(pk=args["user_id"])
            row = HumanTask.objects.get(pk=args["task_id"])
            hooks.authorize(user, row, "complete")  # the officer may have lost the post since
            failed, _ = _complete_locked(
                instance, task_id=args["task_id"], user=user, cleaned=args.get("data", {}), incident=incident
            )
        else:
            wf = loads(instance.process_version, instance.state)
            step: Step
            if incident.action == "timers":
                step = lambda wf: wf.refresh_timers()  # noqa: E731
            elif incident.action == "message":
                step = _catch_step(wf, args.get("name", ""), args.get("payload", {}))
            else:
                step = lambda wf: None  # noqa: E731
            failed = _advance(
                instance, wf, action=incident.action, args=args, step=step, actor=actor, incident=incident
            )
        if failed is None:
            _resolve(incident, instance, actor=actor)
        else:
            record("incident_retry_failed", actor=actor, instance=instance, incident_id=incident.pk)
    return incident


def _resolve(incident: Incident, instance: ProcessInstance, *, actor) -> None:
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.retries += 1
    incident.save(update_fields=["status", "resolved_at", "retries"])
    if not instance.incidents.filter(status=Incident.Status.OPEN).exists():
        ProcessInstance.objects.filter(pk=instance.pk, status=ProcessInstance.Status.INCIDENT).update(
            status=ProcessInstance.Status.RUNNING
        )
    record("incident_resolved", actor=actor, instance=instance, incident_id=incident.pk)


def _catch_step(wf, name: str, payload: dict) -> Step:
    def step(wf) -> None:
        definition = waiting_message_definition(wf, name)
        if definition is None:
            raise EngineError(f"案件未在等待消息“{name}”")
        wf.catch(BpmnEvent(definition, payload=dict(payload)))

    return step
