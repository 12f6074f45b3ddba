"""Legal deadlines of timers: which rule (法定时限) a timer counts, from when, and whether it is final.

A BPMN timer names a rule, never a bare number: ``workdays(clock("push.claim"))``.  ``clock``
asks the domain (``hooks.resolve_clock``) for the rule that applies to the case's area on the
day the timer is set — the nearest jurisdiction wins — and ``workdays`` counts its days.
Whatever a timer expression computes is written down on the timer's task (internal data
``deadline``): the start day, the count and unit, the rule with its legal basis, and whether
the deadline is *provisional* (it runs into a year whose holiday arrangement is not published
yet, see ``business_calendar.add_workdays_provisional``).  The record travels with the case's
saved state; the engine projects it onto the task (``HumanTask.due_*``), recomputes provisional
deadlines when a year is imported and moves deadlines when a suspended clock (中止) resumes.

The case's area and the task being evaluated are context variables the engine sets
(``case_scope`` around every step, ``evaluating`` inside the script engine).
"""

from __future__ import annotations

import ast
import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from . import hooks
from .business_calendar import SHANGHAI, add_workdays_provisional, workdays_between

WORKDAY = "workday"
DAY = "day"
UNIT_NAMES = {WORKDAY: "个工作日", DAY: "日"}


@dataclass(frozen=True)
class ClockRule:
    """One legal clock as it applies to a case: ``days`` in ``unit`` under ``legal_basis``."""

    key: str
    title: str
    days: int
    unit: str
    legal_basis: str
    jurisdiction: str = ""
    jurisdiction_name: str = "全国"
    rule_id: int | None = None

    @property
    def summary(self) -> str:
        """``认领或退回：5个工作日 · 湘商改〔2016〕7号 第五条（湖南省）``"""
        return f"{self.title}：{self.days}{UNIT_NAMES.get(self.unit, '')} · {self.legal_basis}（{self.jurisdiction_name}）"


class UnknownClock(LookupError):
    """No rule of that key applies to the area (or the key does not exist)."""

    def __init__(self, key: str, area: str):
        self.key, self.area = key, area
        where = f"行政区划 {area}" if area else "全国"
        super().__init__(f"法定时限“{key}”没有适用于{where}的规则，请在“法定时限规则”中维护")


_case_area: contextvars.ContextVar[str] = contextvars.ContextVar("case_area", default="")
_evaluating: contextvars.ContextVar[Any] = contextvars.ContextVar("evaluating_task", default=None)


@contextmanager
def case_scope(area_code: str) -> Iterator[None]:
    """Clocks resolved inside count for a case in ``area_code`` (set by the engine around a step)."""
    token = _case_area.set(area_code or "")
    try:
        yield
    finally:
        _case_area.reset(token)


@contextmanager
def evaluating(task: Any) -> Iterator[None]:
    """The Spiff task whose expression is being evaluated (set by the script engine)."""
    token = _evaluating.set(task)
    try:
        yield
    finally:
        _evaluating.reset(token)


def _today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def clock(key: str) -> ClockRule:
    """The rule ``key`` for the current case's area, as in force today (for BPMN expressions)."""
    if not isinstance(key, str) or not key:
        raise ValueError('clock() 需要一个法定时限规则的键，例如 clock("push.claim")')
    return resolve(key, _case_area.get(), _today())


def resolve(key: str, area_code: str, on: date) -> ClockRule:
    rule = hooks.resolve_clock(key, area_code, on)
    if rule is None:
        raise UnknownClock(key, area_code)
    return rule


# --- computing and recording a deadline ------------------------------------------------


def end_of_day(day: date) -> datetime:
    """期限届满时刻: the end of ``day`` (23:59:59, Asia/Shanghai)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def count_from(start: date, days: int, unit: str) -> tuple[date, bool]:
    """The last day of a period of ``days`` (working or calendar) days after ``start``; provisional?"""
    if unit == DAY:
        return start + timedelta(days=days), False
    return add_workdays_provisional(start, days)


def timer_deadline(amount: Any, now: datetime | None = None) -> str:
    """ISO deadline for a timer expression, ``amount`` working days (or a ``ClockRule``) after today.

    Inside a timer's evaluation the computation is recorded on the timer's task; a year not yet
    published counts provisionally (never an error, see the module docstring).
    """
    rule = amount if isinstance(amount, ClockRule) else None
    days, unit = (rule.days, rule.unit) if rule is not None else (amount, WORKDAY)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"工作日天数必须是非负整数，收到：{days!r}")
    if now is None:
        now = timezone.now()
    start = (now.astimezone(SHANGHAI) if timezone.is_aware(now) else now).date()
    last, provisional = count_from(start, days, unit)
    due = end_of_day(last)
    task = _evaluating.get()
    if task is not None:
        record: dict[str, Any] = {
            "start": start.isoformat(),
            "days": days,
            "unit": unit,
            "due": due.isoformat(),
            "provisional": provisional,
            "paused_days": 0,
        }
        if rule is not None:
            record["clock"] = asdict(rule)
            record["basis"] = rule.summary
        task._set_internal_data(deadline=record)
    return due.isoformat()


def deadline_record(task: Any) -> dict | None:
    value = task._get_internal_data("deadline")
    return value if isinstance(value, dict) else None


def recompute_provisional(task: Any) -> tuple[str, str] | None:
    """Count a waiting timer's provisional deadline again; ``(before, after)`` ISO, or None."""
    record = deadline_record(task)
    if record is None or not record.get("provisional"):
        return None
    start = date.fromisoformat(record["start"])
    last, provisional = count_from(start, int(record["days"]), record["unit"])
    paused = int(record.get("paused_days") or 0)
    if paused:
        last, still = count_from(last, paused, record["unit"])
        provisional = provisional or still
    before = record["due"]
    after = end_of_day(last).isoformat()
    task._set_internal_data(deadline={**record, "due": after, "provisional": provisional})
    task._set_internal_data(event_value=after)
    return before, after


def shift_for_pause(task: Any, paused_on: date, resumed_on: date) -> tuple[str, str, int] | None:
    """Move a waiting timer by the working (or calendar) days its clock stood still.

    Only the days after the later of the pause and the timer's own start count.  Returns
    ``(before, after, days)``, or None when nothing moves.
    """
    event_value = task._get_internal_data("event_value")
    if not isinstance(event_value, str):
        return None
    record = deadline_record(task) or {}
    unit = record.get("unit", WORKDAY)
    start = max(paused_on, date.fromisoformat(record["start"])) if record.get("start") else paused_on
    if unit == DAY:
        days, provisional = max((resumed_on - start).days, 0), False
    else:
        days, provisional = workdays_between(start, resumed_on)
    if days == 0:
        return None
    due = datetime.fromisoformat(event_value).astimezone(SHANGHAI)
    last, still = count_from(due.date(), days, unit)
    after = datetime.combine(last, due.timetz()).isoformat()
    if record:
        record = {
            **record,
            "due": after,
            "paused_days": int(record.get("paused_days") or 0) + days,
            "provisional": bool(record.get("provisional")) or provisional or still,
        }
        task._set_internal_data(deadline=record)
    task._set_internal_data(event_value=after)
    return event_value, after, days


# --- deploy-time check -----------------------------------------------------------------


def clock_reference_problems(source: Any) -> list[str]:
    """Problems with the ``clock(...)`` calls of an expression or script (Chinese, per call).

    A call must name one rule as a string literal (``clock("push.claim")``) that the rule table
    knows; anything else is refused when the diagram is deployed, not when the timer fires.
    """
    if not isinstance(source, str) or "clock" not in source:
        return []
    try:
        tree = ast.parse(source.strip(), mode="exec")
    except SyntaxError:
        return []  # the sandbox check reports syntax errors
    known = hooks.clock_keys()
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "clock"):
            continue
        args = node.args
        if (
            node.keywords
            or len(args) != 1
            or not isinstance(args[0], ast.Constant)
            or not isinstance(args[0].value, str)
        ):
            problems.append('clock() 只接受一个用引号写出的规则键，例如 clock("push.claim")')
            continue
        key = args[0].value
        if key not in known:
            problems.append(f"法定时限规则“{key}”不存在，请先在“法定时限规则”中添加")
    return problems
