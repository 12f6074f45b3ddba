"""Who may see and act on which task: a department sees only its own work."""

from __future__ import annotations

from django.db.models import Q

from processes import hooks
from processes.errors import NotAllowed

from .models import Department, Membership, Role


def posts(user) -> set[tuple[str, str]]:
    """The (department code, role) pairs the user holds."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_posts_cache", None)
    if cached is None:
        rows = Membership.objects.filter(user=user).values_list(
            "department__code", "role", "department__kind", "department__division_code"
        )
        cached = set()
        for code, role, kind, division in rows:
            cached.add((code, role))
            if role == Role.OFFICER and kind in (Department.Kind.APPROVAL, Department.Kind.INDUSTRY):
                cached.add((f"POOL-{division}", role))  # 公示认领: the area's unmatched registrations
        user._posts_cache = cached
    return cached


def has_role(user, role: str) -> bool:
    return any(r == role for _, r in posts(user))


@hooks.register_admin_check
def is_process_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.PROCESS_ADMIN)


def task_scope(user) -> Q:
    """Tasks offered to any of the user's posts (an empty match when they hold none)."""
    q = Q(pk__in=[])
    for department, role in posts(user):
        q |= Q(candidate_department=department, candidate_role=role)
    return q


def can_see_task(user, task) -> bool:
    return task.assignee_id == user.pk or (task.candidate_department, task.candidate_role) in posts(user)


@hooks.register_authorizer
def authorize_task_action(user, task, action: str) -> None:
    """Claiming and completing need the task's department and role."""
    if (task.candidate_department, task.candidate_role) not in posts(user):
        raise NotAllowed(
            f"您没有办理该任务的权限（需要 {task.candidate_department} 部门的“{Role(task.candidate_role).label}”岗位）"
            if task.candidate_role in Role.values
            else "您没有办理该任务的权限"
        )
