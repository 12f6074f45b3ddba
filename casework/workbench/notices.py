"""New work is announced: the candidate department's officers hear of each new task (站内消息 and
e-mail), unless the task's lifecycle announces it to its own audience (``register_task_notice``).
A task that is born assigned (``keep_assignee``: it stays with who completed the step before it)
is announced to that person only — the department's queue never offers it."""

from __future__ import annotations

from django.urls import reverse

from casework.organization.models import Role
from notifications.services import notify_department, notify_users
from processes import hooks
from processes.models import HumanTask, ProcessInstance

from . import extensions


@hooks.on_task_created()
def announce_new_task(*, instance: ProcessInstance, human_task: HumanTask, data: dict) -> None:
    if extensions.announced_elsewhere(human_task):
        return
    kind = "escalation" if human_task.candidate_role == Role.SUPERVISOR else "assignment"
    title = f"新待办：{human_task.name}"
    body = f"案件“{human_task.case_title}”有新的待办任务“{human_task.name}”。"
    link = reverse("workbench:task", args=[human_task.pk])
    if human_task.assignee_id is not None:  # born assigned: only its holder has anything to do
        notify_users(
            users=[human_task.assignee],
            kind=kind,
            title=title,
            body=body,
            link=link,
            dedupe_key=f"task-{human_task.pk}",
            new_key=True,  # the task was created in this transaction
        )
        return
    notify_department(
        department_code=human_task.candidate_department,
        role=human_task.candidate_role,
        kind=kind,
        title=title,
        body=body,
        link=link,
        dedupe_key=f"task-{human_task.pk}",
        new_key=True,  # the task was created in this transaction
    )
