"""Cases as a whole: start one, suspend, resume or terminate it (with its linked cases), retry an incident."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .. import hooks, operation
from ..audit import record
from ..errors import EngineError, InstanceNotActive
from ..models import HumanTask, Incident, ProcessInstance, ProcessMessage, ProcessVersion
from ..serialization import dumps, new_workflow
from .core import ACTIVE, Actor, Step, advance, instance_or_404, load_case, resolve_incident
from .human_tasks import complete_locked
from .messages import catch_step, deliver_message

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _active_version(key: str) -> ProcessVersion:
    """The version new cases of ``key`` start on (looked up once per batch of operations)."""
    version = operation.memoised(
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
    actor: User | None = None,
    parent_task: HumanTask | None = None,
    subject: tuple[str, str] = ("", ""),
    area_code: str = "",
) -> ProcessInstance:
    """Start a case on the active version of process ``key``.

    The case is created even if its first steps fail: it then carries an Incident.
    """
    version = _active_version(key)
    definition = version.definition
    # No savepoint of its own: a failing step is caught by advance's savepoint, and anything
    # else failing here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False), operation.buffered():
        payload = dict(data or {})
        wf = new_workflow(version, copy.deepcopy(payload))  # its steps must not change ``payload``
        # Not saved yet: its first save (in core.save_state) is its INSERT, with the state after
        # the first steps.  If they fail, the case is saved with its initial state and the incident.
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
        advance(instance, wf, action="start", args={}, step=lambda wf: None, actor=actor)
        del instance._initial_state  # type: ignore[attr-defined]
    return instance


# --- administration -----------------------------------------------------------------


def _linked_cases(instance: ProcessInstance) -> QuerySet[ProcessInstance]:
    """Cases started for this case's tasks (e.g. 效能督办) that have not ended."""
    return ProcessInstance.objects.filter(parent_task__instance=instance).exclude(
        status__in=[ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED]
    )


def _set_status(
    instance: ProcessInstance, *, actor: Actor, status: str, action: str, reason: str = ""
) -> None:
    before = instance.status
    ProcessInstance.objects.filter(pk=instance.pk).update(status=status, version=F("version") + 1)
    instance.refresh_from_db()
    record(action, actor=actor, instance=instance, before=before, after=status, reason=reason)


def suspend_instance(*, instance_id: int, actor: Actor, reason: str = "") -> ProcessInstance:
    """挂起: timers stop firing and no task can be completed until resumed (linked cases too)."""
    with transaction.atomic(), operation.buffered():
        instance = instance_or_404(instance_id)
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


def resume_instance(*, instance_id: int, actor: Actor, reason: str = "") -> ProcessInstance:
    """恢复: a suspended case runs again (linked cases too); ``reason`` is kept in its audit row."""
    with transaction.atomic(), operation.buffered():
        instance = instance_or_404(instance_id)
        if instance.status != ProcessInstance.Status.SUSPENDED:
            raise InstanceNotActive("案件未挂起")
        has_incident = instance.incidents.filter(status=Incident.Status.OPEN).exists()
        status = ProcessInstance.Status.INCIDENT if has_incident else ProcessInstance.Status.RUNNING
        _set_status(instance, actor=actor, status=status, action="instance_resumed", reason=reason)
        # Messages that arrived while suspended are caught now, before any overdue timer.
        for message in ProcessMessage.objects.filter(target=instance, status=ProcessMessage.Status.PENDING):
            if deliver_message(
                instance_id=instance.pk, name=message.name, payload=message.payload, actor=actor
            ):
                ProcessMessage.objects.filter(pk=message.pk).update(
                    status=ProcessMessage.Status.DELIVERED, delivered_at=timezone.now()
                )
        for child in _linked_cases(instance).filter(status=ProcessInstance.Status.SUSPENDED):
            resume_instance(instance_id=child.pk, actor=actor, reason=f"关联案件 #{instance.pk} 恢复")
    return instance


def terminate_instance(*, instance_id: int, actor: Actor, reason: str) -> ProcessInstance:
    """终止: end the case; its open tasks are cancelled, its incidents closed, linked cases ended."""
    if not reason.strip():
        raise EngineError("终止案件必须填写原因")
    with transaction.atomic(), operation.buffered():
        instance = instance_or_404(instance_id)
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


def retry_incident(*, incident_id: int, actor: Actor) -> Incident:
    """Re-run the failed step; resolves the incident on success, else records the new error."""
    from django.contrib.auth import get_user_model

    with transaction.atomic(), operation.buffered():
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        if incident.status != Incident.Status.OPEN:
            raise EngineError("该异常已处理")
        instance = instance_or_404(incident.instance_id)
        if instance.status not in ACTIVE:
            raise InstanceNotActive(f"案件当前状态为“{instance.get_status_display()}”，不能重试")
        args = incident.action_args or {}
        failed: Incident | None
        if incident.action == "complete":
            user = get_user_model().objects.get(pk=args["user_id"])
            row = HumanTask.objects.get(pk=args["task_id"])
            hooks.authorize(user, row, "complete")  # the officer may have lost the post since
            failed, _ = complete_locked(
                instance, task_id=args["task_id"], user=user, cleaned=args.get("data", {}), incident=incident
            )
        else:
            wf = load_case(instance)
            step: Step
            if incident.action == "timers":
                step = lambda wf: wf.refresh_timers()  # noqa: E731
            elif incident.action == "message":
                step = catch_step(wf, args.get("name", ""), args.get("payload", {}))
            else:
                step = lambda wf: None  # noqa: E731
            failed = advance(
                instance, wf, action=incident.action, args=args, step=step, actor=actor, incident=incident
            )
        if failed is None:
            resolve_incident(incident, instance, actor=actor)
        else:
            record("incident_retry_failed", actor=actor, instance=instance, incident_id=incident.pk)
    return incident
