"""Whether the holiday table (节假日安排) reaches far enough: the one place that decides it.

Working days can be counted in a year only when it is covered (:func:`business_calendar.year_covered`:
a ``CalendarYear`` row or chinese_calendar's data). As of a day:

- the **current year** uncovered is always an error (level ``error``): its deadlines cannot be
  counted from the 国务院办公厅 arrangement;
- **next year** uncovered is a warning (level ``warning``) from 1 November (:data:`WARN_FROM`):
  deadlines set from then on may already end in it.

:func:`attention` lists those years; the page banner, the notices, the deploy check
(``manage.py check --deploy``, ``processes.W001``/``W002``), ``GET /api/v1/calendar/status`` and
``manage.py calendar_coverage`` all read it. It reads the business calendar's cached year rules, so
it is cheap enough for every page.

The engine does not know who should hear of it: the domain registers a notifier
(:func:`register_notifier`) that tells its people once per uncovered year and returns whom it told;
:func:`notify` runs them (idempotent, daily from Celery beat) and writes one audit row
``calendar_coverage_notified`` per year in which somebody was newly told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.core import checks
from django.db import DatabaseError, transaction
from django.utils import timezone

from .audit import record
from .business_calendar import SHANGHAI, year_covered

__all__ = [
    "WARN_FROM",
    "CoverageWarning",
    "attention",
    "check_deploy",
    "notify",
    "register_notifier",
    "status",
    "today_in_china",
]

#: (month, day) from which next year's arrangement is expected to be in the table.
WARN_FROM = (11, 1)

CURRENT_YEAR_NOT_COVERED = "current_year_not_covered"
NEXT_YEAR_NOT_COVERED = "next_year_not_covered"


@dataclass(frozen=True)
class CoverageWarning:
    """One year that needs the 国务院办公厅 notice imported."""

    year: int
    code: str  # CURRENT_YEAR_NOT_COVERED or NEXT_YEAR_NOT_COVERED
    level: str  # "error" (current year) or "warning" (next year)
    title: str  # e.g. 2027年节假日安排尚未导入
    detail: str  # what follows from it and what to do

    @property
    def message(self) -> str:
        """The whole warning in one paragraph (notices, checks, the status endpoint)."""
        return f"{self.title}，{self.detail}"

    @property
    def dedupe_key(self) -> str:
        """Who has been told about this year is told once (per year, not per day)."""
        return f"calendar-not-covered-{self.year}"

    def as_dict(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["detail"]
        return {**fields, "message": self.message}


def today_in_china() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def _action(year: int) -> str:
    return (
        f"请流程管理员导入国务院办公厅关于{year}年部分节假日安排的通知"
        "（节假日安排年份 → 导入国务院办公厅通知）。"
    )


def _current(year: int) -> CoverageWarning:
    return CoverageWarning(
        year=year,
        code=CURRENT_YEAR_NOT_COVERED,
        level="error",
        title=f"{year}年节假日安排尚未导入",
        detail=f"本年的工作日期限无法按国务院办公厅的安排计算，只能暂定。{_action(year)}",
    )


def _next(year: int) -> CoverageWarning:
    return CoverageWarning(
        year=year,
        code=NEXT_YEAR_NOT_COVERED,
        level="warning",
        title=f"{year}年节假日安排尚未导入",
        detail=f"届满日落在{year}年的工作日期限将无法按国务院办公厅的安排计算。{_action(year)}",
    )


def warns_for_next_year(today: date) -> bool:
    return (today.month, today.day) >= WARN_FROM


def attention(today: date | None = None) -> list[CoverageWarning]:
    """The years that need their notice imported as of ``today`` (default: today in Beijing time)."""
    today = today or today_in_china()
    warnings = []
    if not year_covered(today.year):
        warnings.append(_current(today.year))
    if warns_for_next_year(today) and not year_covered(today.year + 1):
        warnings.append(_next(today.year + 1))
    return warnings


def status(today: date | None = None) -> dict[str, Any]:
    """The state as the status endpoint and the management command report it."""
    today = today or today_in_china()
    return {
        "today": today.isoformat(),
        "current_year": today.year,
        "current_year_covered": year_covered(today.year),
        "next_year": today.year + 1,
        "next_year_covered": year_covered(today.year + 1),
        "warn_from": date(today.year, *WARN_FROM).isoformat(),
        "warnings": [w.as_dict() for w in attention(today)],
    }


# --- notices ---------------------------------------------------------------------------
# (warning) -> the users newly told about it (already told ones are not told again)
Notifier = Callable[[CoverageWarning], Iterable[Any]]
_notifiers: list[Notifier] = []


def register_notifier(fn: Notifier) -> Notifier:
    """The domain tells its people (e.g. supervisors and process admins) of an uncovered year."""
    if fn not in _notifiers:
        _notifiers.append(fn)
    return fn


def notify(today: date | None = None) -> list[tuple[CoverageWarning, list[Any]]]:
    """Tell whoever the notifiers name about each year needing attention; safe to run every day.

    Returns each warning with the users newly told. A year with anyone newly told gets one audit
    row ``calendar_coverage_notified`` (year, level, usernames), written with the notices.
    """
    results = []
    for warning in attention(today):
        with transaction.atomic():
            told: list[Any] = []
            for fn in _notifiers:
                told.extend(fn(warning))
            if told:
                record(
                    "calendar_coverage_notified",
                    year=warning.year,
                    code=warning.code,
                    level=warning.level,
                    recipients=sorted({getattr(u, "username", str(u)) for u in told}),
                )
        results.append((warning, told))
    return results


# --- deploy check ----------------------------------------------------------------------
_CHECK_IDS = {CURRENT_YEAR_NOT_COVERED: "processes.W001", NEXT_YEAR_NOT_COVERED: "processes.W002"}


def check_deploy(app_configs=None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --deploy``: a Warning per year that needs its notice imported.

    A warning, not an error: a deploy that cannot proceed cannot bring the import either. Without
    a readable database (not migrated yet) there is nothing to say.
    """
    try:
        warnings = attention()
    except DatabaseError:
        return []
    return [
        checks.Warning(
            w.message,
            hint="python manage.py calendar_import 通知全文.txt --year " + str(w.year),
            id=_CHECK_IDS[w.code],
        )
        for w in warnings
    ]
