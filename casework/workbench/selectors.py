"""Inbox reads: every query uses only the indexed HumanTask projection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from casework.organization.permissions import Person, posts, task_scope
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .inbox_filters import InboxFilterForm

OPEN = HumanTask.State.OPEN
PAGE_SIZE = 20


def _base() -> QuerySet[HumanTask]:
    return HumanTask.objects.select_related("assignee")


def department_queue(user: Person) -> QuerySet[HumanTask]:
    """部门待认领: open, unclaimed tasks offered to one of the user's posts."""
    return _base().filter(task_scope(user), state=OPEN, assignee__isnull=True).order_by("created_at", "pk")


class DepartmentQueue:
    """部门待认领 as the inbox opens it (no filters, oldest first), one index range per post.

    The same rows, order and count as ``department_queue(user)``, but read as one ordered,
    index-only range per (department, role) post of the user, merged here: the posts' task
    sets are disjoint, so their counts add up and the first rows of the merged order are
    among the first rows of each post.  An OR over posts instead makes PostgreSQL fetch and
    sort every open task of the department for each page (100 ms at 8,000 tasks).  Works as
    a Paginator's object list (``count()`` and slicing).
    """

    def __init__(self, user: Person) -> None:
        self.user = user
        self.posts = sorted(posts(user))

    def _post(self, department: str, role: str) -> QuerySet[HumanTask]:
        return HumanTask.objects.filter(
            candidate_department=department, candidate_role=role, state=OPEN, assignee__isnull=True
        )

    def count(self) -> int:
        return sum(self._post(d, r).count() for d, r in self.posts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None or index.step not in (None, 1) or start < 0:
            raise TypeError("DepartmentQueue supports forward slices with an end only")
        keys: list[tuple] = []
        for department, role in self.posts:
            ordered = self._post(department, role).order_by("created_at", "pk")
            keys.extend(ordered.values_list("created_at", "pk")[:stop])
        ids = [pk for _, pk in sorted(keys)[start:stop]]
        rows = {task.pk: task for task in _base().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


def my_tasks(user: Person) -> QuerySet[HumanTask]:
    """我的待办: open tasks the user has claimed."""
    return _base().filter(state=OPEN, assignee=user).order_by("due_at", "created_at", "pk")


def overdue_tasks(user: Person, *, soon_days: int = 2) -> QuerySet[HumanTask]:
    """超期/临期: open tasks of my posts (claimed by anyone) or mine, due within ``soon_days``."""
    horizon = timezone.now() + timedelta(days=soon_days)
    scope = task_scope(user)
    return (
        _base()
        .filter(state=OPEN, due_at__lte=horizon)
        .filter(scope | Q(assignee=user))
        .order_by("due_at", "pk")
    )


def done_tasks(user: Person) -> QuerySet[HumanTask]:
    """已办: tasks the user completed."""
    return _base().filter(state=HumanTask.State.COMPLETED, completed_by=user).order_by("-completed_at", "-pk")


def visible_task(user: Person, task_id: int) -> HumanTask | None:
    """A task the user may open: offered to their post, assigned to or completed by them, or
    watched over by a case of theirs (read-only).

    A case started on a task (its ``parent_task``, e.g. a 效能督办 case of an overdue task) lets
    the people of its own tasks read that task, before and after they decide; claiming and
    completing still need the task's post (the engine's authorizer).
    """
    task = _base().select_related("instance").filter(pk=task_id).first()
    if task is None:
        return None
    if (
        (task.candidate_department, task.candidate_role) in posts(user)
        or task.assignee_id == user.pk
        or task.completed_by_id == user.pk
        or getattr(user, "is_superuser", False)
        or _watched_over_by(user, task)
    ):
        return task
    return None


def _watched_over_by(user: Person, task: HumanTask) -> bool:
    """Does a task of a case started on ``task`` belong to one of the user's posts or to them?"""
    children = HumanTask.objects.filter(instance__parent_task=task)
    return children.filter(task_scope(user) | Q(assignee=user) | Q(completed_by=user)).exists()


def case_timeline(instance: ProcessInstance) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(instance=instance)
        .select_related("actor", "human_task")
        .order_by("created_at", "pk")
    )


def counts(user: Person) -> dict[str, int]:
    return {
        "queue": DepartmentQueue(user).count(),
        "mine": my_tasks(user).count(),
        "overdue": overdue_tasks(user).filter(due_at__lte=timezone.now()).count(),
    }


def open_steps(instance: ProcessInstance) -> list[str]:
    """The BPMN ids of the case's open tasks (the red boxes on its diagram)."""
    return list(instance.human_tasks.filter(state=OPEN).values_list("bpmn_id", flat=True))


LISTS: dict[str, tuple[str, Callable[[Any], QuerySet[HumanTask]], str]] = {
    # name: (title, selector, default sort when filtered)
    "queue": ("部门待认领", department_queue, "received"),
    "mine": ("我的待办", my_tasks, "due"),
    "overdue": ("超期/临期", overdue_tasks, "due"),
    "done": ("已办", done_tasks, "-received"),
}


def inbox(user: Person, list_name: str, params: Mapping[str, Any], *, ignore: Iterable[str] = ("page",)):
    """One inbox list as the page and the API show it: (tasks, the filter form).

    Unfiltered, a list is read in its own order (the queue by one index range per post);
    any filter parameter (besides those in ``ignore``) applies the filter form.
    """
    _title, selector, default_sort = LISTS[list_name]
    filters = InboxFilterForm(data=params or None)
    if not any(value for key, value in params.items() if key not in set(ignore)):
        return (DepartmentQueue(user) if list_name == "queue" else selector(user)), filters
    return filters.apply(selector(user), default_sort=default_sort), filters
