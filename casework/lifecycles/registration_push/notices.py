"""公示认领 notices: every approval officer of the area hears of an unmatched registration."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from casework.organization.models import APPROVING_KINDS, Role
from notifications.services import notify_users

from . import pool


def announce_pool_item(human_task: Any) -> bool:
    """A task offered to a pool goes to the area's approval officers (True: announced here)."""
    division = pool.division(human_task.candidate_department)
    if division is None:
        return False
    officers = (
        get_user_model()
        .objects.filter(
            memberships__role=Role.OFFICER,
            memberships__department__division_code=division,
            memberships__department__kind__in=APPROVING_KINDS,
            is_active=True,
        )
        .distinct()
    )
    notify_users(
        users=list(officers),
        kind="assignment",
        title=f"公示认领：{human_task.subject_name or human_task.case_title}",
        body="该登记未匹配到审批部门，已进入本地公示认领池，请涉及本部门审批事项的及时认领。",
        link=reverse("workbench:task", args=[human_task.pk]),
        dedupe_key=f"task-{human_task.pk}",
        new_key=True,  # the task was created in this transaction
    )
    return True
