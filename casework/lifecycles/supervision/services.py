"""效能督办 actions: overdue tasks become supervision cases; supervisors urge, excuse or record
a violation.  The flow lives in bpmn/efficiency_supervision.bpmn; ``steps`` connects these
actions to its steps and to every other lifecycle's tasks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework.organization.permissions import Person
from notifications.services import notify_department
from processes import engine
from processes.audit import record
from processes.deadlines import WORKDAY, count_from, end_of_day
from processes.models import HumanTask, ProcessInstance

from .models import EfficiencyViolation, Escalation

SUPERVISION_PROCESS = "efficiency_supervision"


def task_link(task_id: int) -> str:
    return reverse("workbench:task", args=[task_id])


def open_supervision_cases(*, message: Any, instance: ProcessInstance) -> None:
    """A boundary timer fired: escalate each of the case's open, overdue, unescalated tasks."""
    now = timezone.now()
    overdue = instance.human_tasks.filter(
        state=HumanTask.State.OPEN, due_at__lte=now, escalation_level=0
    ).order_by("pk")
    for task in overdue:
        escalate_task(task)


def escalate_task(task: HumanTask) -> ProcessInstance | None:
    """Start the 效能督办 case for an overdue task (once: a task is escalated to level 1 once)."""
    if Escalation.objects.filter(human_task=task).exists():
        return None
    return engine.start_process(
        key=SUPERVISION_PROCESS,
        data={
            "supervised_task_id": task.pk,
            "supervised_task_name": task.name,
            "supervised_department": task.candidate_department,
            "case_title": task.case_title,
            "overdue_since": task.due_at.isoformat() if task.due_at else "",
            "supervision_department": task.escalation_department or settings.SUPERVISION_DEPARTMENT,
            "escalation_level": 1,
        },
        business_key=f"XNDB-{task.pk}",
        title=f"效能督办：{task.case_title} · {task.name}",
        parent_task=task,
        subject=(task.subject_name, task.subject_code),
        area_code=task.area_code,
    )


def record_escalation(*, instance: ProcessInstance, human_task: HumanTask, data: dict) -> None:
    """Each (re-)entry of the supervise step is one escalation level of the supervised task."""
    supervised = HumanTask.objects.get(pk=data["supervised_task_id"])
    level = int(data.get("escalation_level", 1))
    if not supervised.is_open:  # done or cancelled in the meantime: nothing left to escalate
        record(
            "escalation_skipped",
            instance=instance,
            human_task=human_task,
            supervised_task=supervised.pk,
            level=level,
            reason="被督办任务已办结或已取消",
        )
        return
    escalation, created = Escalation.objects.get_or_create(
        human_task=supervised,
        level=level,
        defaults={
            "supervision_instance": instance,
            "department_code": supervised.candidate_department,
            "overdue_since": supervised.due_at,
        },
    )
    if not created:
        return
    engine.set_escalation_level(task_id=supervised.pk, level=level)
    record(
        "task_escalated",
        instance=supervised.instance,
        human_task=supervised,
        level=level,
        supervision_instance=instance.pk,
        supervision_task=human_task.pk,
    )
    notify_department(
        department_code=supervised.candidate_department,
        role=supervised.candidate_role,
        kind="escalation",
        title=f"任务超期已转效能督办（{level} 级）：{supervised.name}",
        body=f"案件“{supervised.case_title}”的任务“{supervised.name}”已超过办理时限，已转效能督办。",
        link=task_link(supervised.pk),
        dedupe_key=f"escalated-{supervised.pk}-{level}",
    )


def report_overdue_supervision(*, message: Any, instance: ProcessInstance) -> None:
    """The supervise step passed its deadline undecided: every supervisor of the department hears.

    The boundary timer is non-interrupting: the task stays with whoever holds it, shows as
    overdue in the inbox, and the case timeline gets a ``supervision_overdue`` row.
    """
    now = timezone.now()
    late = instance.human_tasks.filter(state=HumanTask.State.OPEN, bpmn_id="supervise", due_at__lte=now)
    for task in late.select_related("assignee").order_by("pk"):
        who = (task.assignee.get_full_name() or task.assignee.get_username()) if task.assignee else ""
        record(
            "supervision_overdue",
            instance=instance,
            human_task=task,
            due_at=task.due_at.isoformat() if task.due_at else None,
            assignee=task.assignee.get_username() if task.assignee else None,
        )
        notify_department(
            department_code=task.candidate_department,
            role=task.candidate_role,
            kind="escalation",
            title=f"效能督办处理超期：{task.case_title}",
            body=(
                f"督办任务“{task.name}”已超过处理时限"
                f"（{timezone.localtime(task.due_at):%Y-%m-%d}），仍未作出督办、免责或认定效能问题的决定，"
                f"{'办理人：' + who if who else '尚无人认领'}。"
            ),
            link=task_link(task.pk),
            dedupe_key=f"supervise-overdue-{task.pk}",
        )


def apply_decision(*, instance: ProcessInstance, human_task: HumanTask, data: dict, actor: Person) -> None:
    """督办 sets a new deadline and tells the department; 免责 and 效能问题 are recorded."""
    escalation = (
        Escalation.objects.select_for_update()
        .filter(supervision_instance=instance, outcome=Escalation.Outcome.PENDING)
        .order_by("-level")
        .first()
    )
    if escalation is None:
        return
    supervised = escalation.human_task
    decision = data["decision"]
    escalation.decided_by, escalation.decided_at = actor, timezone.now()
    escalation.reason = data.get("reason", "")
    if decision == "urge":
        days = int(data["urge_workdays"])
        last, provisional = count_from(timezone.localdate(), days, WORKDAY)
        new_due = end_of_day(last)
        escalation.outcome, escalation.new_due_at = Escalation.Outcome.URGED, new_due
        engine.set_task_deadline(
            task_id=supervised.pk,
            due_at=new_due,
            actor=actor,
            basis=f"效能督办第 {escalation.level} 级催办设定：{days}个工作日",
            provisional=provisional,
        )
        notify_department(
            department_code=supervised.candidate_department,
            role=supervised.candidate_role,
            kind="urging",
            title=f"效能督办催办：{supervised.name}",
            body=(
                f"请于 {timezone.localtime(new_due):%Y-%m-%d} 前办结案件“{supervised.case_title}”的任务"
                f"“{supervised.name}”。督办意见：{escalation.reason or '无'}"
            ),
            link=task_link(supervised.pk),
            dedupe_key=f"urged-{supervised.pk}-{escalation.level}",
            also_user=supervised.assignee,
        )
    elif decision == "excuse":
        escalation.outcome = Escalation.Outcome.EXCUSED
    else:
        escalation.outcome = Escalation.Outcome.VIOLATION
        EfficiencyViolation.objects.create(
            department_code=supervised.candidate_department,
            escalation=escalation,
            human_task=supervised,
            reason=escalation.reason,
            recorded_by=actor,
        )
    escalation.save()
    record(
        "supervision_decided",
        actor=actor,
        instance=instance,
        human_task=human_task,
        decision=decision,
        supervised_task=supervised.pk,
        level=escalation.level,
    )


def tell_supervision_cases(
    *, instance: ProcessInstance, human_task: HumanTask, data: dict, actor: Person
) -> None:
    """When a supervised task is done, its supervision cases may close."""
    _close_supervision_of(instance, human_task)


def close_supervision_of_cancelled(*, instance: ProcessInstance, human_task: HumanTask) -> None:
    """A cancelled task needs no more supervision either."""
    _close_supervision_of(instance, human_task)


def _close_supervision_of(instance: ProcessInstance, human_task: HumanTask) -> None:
    if not human_task.escalation_level and (human_task.due_at is None or human_task.due_at > timezone.now()):
        return  # not overdue and never escalated: no supervision case can exist for it
    # Posted to suspended cases too: the message waits and is delivered after resumption.
    children = human_task.child_instances.filter(case_type=SUPERVISION_PROCESS).exclude(
        status__in=[ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED]
    )
    for child in children:
        engine.post_message(
            target=child, name="supervised_task_done", source=instance, payload={"task_id": human_task.pk}
        )
