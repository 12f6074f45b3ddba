"""Who may see and act on which task: a department sees only its own work.

A post is a (department code, role) pair.  Besides the memberships a user holds, a lifecycle
may offer derived posts (``register_post_provider``): the 公示认领 pool of an area is offered
to the area's approval officers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db.models import Q

from processes import hooks
from processes.errors import NotAllowed

from .models import Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

#: A signed-in person (the AUTH_USER_MODEL).
Person: TypeAlias = "User"
#: A signed-in person or an anonymous visitor (request.user); never None.
UserLike: TypeAlias = "User | AnonymousUser"

Post = tuple[str, str]
# (code, role, department kind, division code) of each membership -> extra posts
PostProvider = Callable[[list[tuple[str, str, str, str]]], Iterable[Post]]

_post_providers: list[PostProvider] = []


def register_post_provider(provider: PostProvider) -> PostProvider:
    if provider not in _post_providers:
        _post_providers.append(provider)
    return provider


def posts(user: UserLike) -> set[Post]:
    """The (department code, role) pairs the user holds."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_posts_cache", None)
    if cached is None:
        rows = list(
            Membership.objects.filter(user_id=int(user.pk or 0)).values_list(
                "department__code", "role", "department__kind", "department__division_code"
            )
        )
        cached = {(code, role) for code, role, _, _ in rows}
        for provider in _post_providers:
            cached.update(provider(rows))
        setattr(user, "_posts_cache", cached)  # noqa: B010  once per request's user
    return cached


def roles(user: UserLike) -> set[str]:
    return {role for _, role in posts(user)}


def has_role(user: UserLike, role: str) -> bool:
    return any(r == role for _, r in posts(user))


def departments_in_role(user: UserLike, role: str) -> list[str]:
    """The codes of the departments where the user holds ``role``."""
    return sorted(code for code, r in posts(user) if r == role)


@hooks.register_admin_check
def is_process_admin(user: UserLike) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.PROCESS_ADMIN)


def task_scope(user: UserLike) -> Q:
    """Tasks offered to any of the user's posts (an empty match when they hold none)."""
    q = Q(pk__in=[])
    for department, role in posts(user):
        q |= Q(candidate_department=department, candidate_role=role)
    return q


@hooks.register_authorizer
def authorize_task_action(user: UserLike, task: Any, action: str) -> None:
    """Claiming and completing need the task's department and role."""
    if (task.candidate_department, task.candidate_role) not in posts(user):
        raise NotAllowed(
            f"您没有办理该任务的权限（需要{_department_name(task.candidate_department)}的“{Role(task.candidate_role).label}”岗位）"
            if task.candidate_role in Role.values
            else "您没有办理该任务的权限"
        )


def _department_name(code: str) -> str:
    """The department's name for a refusal (a claim pool is named by its lifecycle)."""
    from casework.workbench.names import department_name  # the names know every provider

    return department_name(code)
