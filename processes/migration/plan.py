"""What a migration would do, or did, to one case: the plan a dry run makes and the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

HUMAN_OUTCOMES = {
    "kept": "保留（办理人、时限不变）",
    "updated": "保留并按目标版本更新",
    "reassigned": "按目标版本改派，退回待认领",
    "cancelled": "取消",
    "new": "新建",
}


@dataclass
class TaskMapping:
    """One open task of the case (READY, WAITING, or STARTED where it matters)."""

    task_id: str
    element: str
    name: str
    state: str  # 待办 / 等待中 / 进行中
    outcome: str  # mapped / changed / removed
    target_name: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.outcome == "mapped":
            return "保留，不受影响"
        if self.outcome == "removed":
            return "目标版本中不存在"
        what = "、".join(self.changes) or "属性"
        if self.state == "等待中":
            return f"按目标版本重新等待，定时器重新计算（改动：{what}）"
        return f"按目标版本重置后重新执行（改动：{what}）"


@dataclass
class TimerChange:
    task_id: str
    element: str
    name: str
    attached_to: str
    before: datetime | None
    after: datetime | None
    basis_before: str = ""
    basis_after: str = ""
    recomputed: bool = False

    @property
    def moved(self) -> bool:
        return self.before != self.after

    @property
    def overdue(self) -> bool:
        return self.after is not None and self.after <= timezone.now()


@dataclass
class HumanTaskChange:
    outcome: str  # kept / updated / reassigned / cancelled / new
    name: str
    new_name: str = ""
    row_id: int | None = None
    department: str = ""
    new_department: str = ""
    role: str = ""
    new_role: str = ""
    assignee: str = ""
    due_before: datetime | None = None
    due_after: datetime | None = None
    # what migrate applies to the row (not shown)
    task_id: str = ""
    fields: dict = field(default_factory=dict)
    refresh_due: bool = False

    @property
    def due_moved(self) -> bool:
        return self.row_id is not None and self.due_before != self.due_after

    @property
    def label(self) -> str:
        if self.outcome == "kept" and self.due_moved:
            return "保留（办理人不变，办理时限按新定时器调整）"
        return HUMAN_OUTCOMES[self.outcome]


@dataclass
class MigrationPlan:
    instance_id: int
    business_key: str
    title: str
    subject_name: str
    status: str
    status_label: str
    instance_version: int  # the optimistic-lock version the plan was made on
    from_version: int
    from_version_id: int
    to_version: int
    to_version_id: int
    tasks: list[TaskMapping] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)
    human_tasks: list[HumanTaskChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    next_timer_before: datetime | None = None
    next_timer_after: datetime | None = None
    dropped: list[str] = field(default_factory=list)  # predicted tasks dropped and predicted again

    @property
    def safe(self) -> bool:
        return not self.reasons

    @property
    def verdict(self) -> str:
        return "可迁移" if self.safe else "不可迁移"

    @property
    def task_lines(self) -> list[tuple[TaskMapping, int]]:
        """The tasks as people read them: identical lines (one per multi-instance child) once, counted."""
        return _grouped(self.tasks, lambda t: (t.name, t.state, t.outcome, t.action, t.target_name))

    @property
    def timer_lines(self) -> list[tuple[TimerChange, int]]:
        return _grouped(
            self.timers, lambda t: (t.name, t.attached_to, t.before, t.after, t.basis_after, t.recomputed)
        )

    def ids(self, outcome: str) -> list[str]:
        return [t.task_id for t in self.tasks if t.outcome == outcome]


@dataclass
class MigrationOutcome:
    instance_id: int
    business_key: str
    title: str
    migrated: bool
    reasons: list[str]
    plan: MigrationPlan | None = None
    from_version: int | None = None
    to_version: int | None = None


def _grouped(items: list, key) -> list[tuple[Any, int]]:
    counts: dict = {}
    first: dict = {}
    for item in items:
        k = key(item)
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, item)
    return [(first[k], n) for k, n in counts.items()]
