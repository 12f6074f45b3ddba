"""Chinese working-day (工作日) business calendar for statutory deadlines.

Rules, per calendar year of the day asked about:

1. The year has a ``CalendarYear`` row (节假日安排年份, entered by hand from the 国务院办公厅
   notice): a ``CalendarDay`` row for the day decides (``holiday`` → 休息, ``workday`` → 调休上班);
   without one the Monday-Friday rule applies.
2. Otherwise, if the ``chinese_calendar`` package covers the year (2004-2026): a ``CalendarDay`` row
   overrides it (corrections), else ``chinese_calendar.is_workday``.
3. Otherwise the year is not covered: :class:`CalendarNotCovered` is raised instead of guessing.

Provisional counting (:func:`add_workdays_provisional`, :func:`workdays_between`) follows rules 1-2 in
covered years and, in a year not covered, takes a day as a working day iff it is Monday-Friday and not
one of the statutory holidays of 《全国年节及纪念日放假办法》 (:mod:`processes.statutory_holidays`; no
调休, no 补假, weekends always off). Its result says whether such a year was used (then it is
provisional and must be recomputed once the year's notice is imported); an uncovered year outside
2025-2099 still raises :class:`CalendarNotCovered`.

Deadlines count working days *after* the start day: the start day itself is never counted, whether it
is a working day, a weekend or a public holiday (法定节假日). Saturday/Sunday 调休 working days count.

DB lookups are cached per year in this process; the cache is cleared on every save/delete of
``CalendarYear``/``CalendarDay`` (signals) and entries expire after :data:`CACHE_TTL_SECONDS` so that
edits made in another process (admin in the web process, timers in Celery workers) are seen soon.
"""

from __future__ import annotations

import re
import threading
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from processes.statutory_holidays import statutory_holidays

__all__ = [
    "CACHE_TTL_SECONDS",
    "CHINESE_CALENDAR_FIRST_YEAR",
    "CHINESE_CALENDAR_LAST_YEAR",
    "SHANGHAI",
    "CalendarNotCovered",
    "add_workdays",
    "add_workdays_provisional",
    "clear_calendar_cache",
    "connect_cache_invalidation",
    "deadline_at",
    "is_workday",
    "parse_iso_date",
    "workdays",
    "workdays_between",
    "year_covered",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Years covered by the bundled ``chinese_calendar`` data (1.11.0).
CHINESE_CALENDAR_FIRST_YEAR = 2004
CHINESE_CALENDAR_LAST_YEAR = 2026
#: Upper bound on how long a year's DB rows are reused without re-reading them.
CACHE_TTL_SECONDS = 300.0

_HOLIDAY = "holiday"
_WORKDAY = "workday"


class CalendarNotCovered(Exception):
    """The holiday arrangement (节假日安排) of ``year`` is unknown, so working days cannot be counted."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year}年的节假日安排尚未录入，无法计算工作日（请在“节假日安排年份”中录入该年国务院办公厅通知）"
        )


@dataclass(frozen=True)
class _YearRules:
    """What the database says about one year."""

    has_table: bool  # a CalendarYear row exists: the table (plus Monday-Friday) is authoritative
    overrides: dict[date, bool] = field(default_factory=dict)  # date -> is working day
    loaded_at: float = 0.0


_cache: dict[int, _YearRules] = {}
_cache_lock = threading.Lock()
_generation = 0  # bumped by every clear, so a load racing with an edit is not cached


def clear_calendar_cache(*args: Any, **kwargs: Any) -> None:
    """Forget every cached year (also usable directly as a signal receiver)."""
    global _generation
    with _cache_lock:
        _cache.clear()
        _generation += 1


def _load_year(year: int) -> _YearRules:
    from processes.models import CalendarDay, CalendarYear

    has_table = CalendarYear.objects.filter(year=year).exists()
    rows = CalendarDay.objects.filter(date__range=(date(year, 1, 1), date(year, 12, 31))).values_list(
        "date", "kind"
    )
    overrides = {d: kind == _WORKDAY for d, kind in rows}
    return _YearRules(has_table=has_table, overrides=overrides, loaded_at=_time.monotonic())


def _year_rules(year: int) -> _YearRules:
    now = _time.monotonic()
    with _cache_lock:
        rules = _cache.get(year)
        generation = _generation
    if rules is not None and now - rules.loaded_at < CACHE_TTL_SECONDS:
        return rules
    rules = _load_year(year)
    with _cache_lock:
        if generation == _generation:  # not cleared while loading: the rows read are still current
            _cache[year] = rules
    return rules


def is_workday(d: date) -> bool:
    """Whether ``d`` is a Chinese working day (工作日), 调休 weekend working days included.

    Raises :class:`CalendarNotCovered` when neither the ``CalendarYear`` table nor
    ``chinese_calendar`` (2004-2026) knows ``d.year``.
    """
    if isinstance(d, datetime):  # a datetime is a date too; only its calendar day matters here
        d = d.date()
    rules = _year_rules(d.year)
    override = rules.overrides.get(d)
    if rules.has_table:
        return override if override is not None else d.weekday() < 5
    if CHINESE_CALENDAR_FIRST_YEAR <= d.year <= CHINESE_CALENDAR_LAST_YEAR:
        if override is not None:
            return override
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError as exc:  # defensive: package data narrower than expected
            raise CalendarNotCovered(d.year) from exc
    raise CalendarNotCovered(d.year)


def year_covered(year: int) -> bool:
    """Whether working days can be counted in ``year``: a ``CalendarYear`` row or chinese_calendar's data."""
    return _year_rules(year).has_table or CHINESE_CALENDAR_FIRST_YEAR <= year <= CHINESE_CALENDAR_LAST_YEAR


def _check_count(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"工作日天数必须是非负整数，收到：{n!r}")
    if n < 0:
        raise ValueError(f"工作日天数不能为负数，收到：{n}")
    return n


def add_workdays(start: date, n: int) -> date:
    """The day ``n`` Chinese working days after ``start`` (n 个工作日后).

    ``start`` itself is not counted, even when it is a working day or a holiday; ``n == 0`` returns
    ``start`` unchanged. Raises ``ValueError`` for a negative/non-integer ``n`` and
    :class:`CalendarNotCovered` when the count runs into a year without holiday data.
    """
    n = _check_count(n)
    if isinstance(start, datetime):
        start = start.date()
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


class _ProvisionalDays:
    """Working-day test for provisional counting; remembers whether an uncovered year was used."""

    def __init__(self) -> None:
        self.provisional = False
        self._statutory: dict[int, dict[date, str]] = {}

    def is_workday(self, d: date) -> bool:
        if year_covered(d.year):
            try:
                return is_workday(d)
            except CalendarNotCovered:  # the year's row was deleted just now: count it provisionally
                pass
        holidays = self._statutory.get(d.year)
        if holidays is None:
            try:
                holidays = statutory_holidays(d.year)
            except ValueError as exc:  # before 国务院令第798号 or past the lunar table
                raise CalendarNotCovered(d.year) from exc
            self._statutory[d.year] = holidays
        self.provisional = True
        return d.weekday() < 5 and d not in holidays


def add_workdays_provisional(start: date, n: int) -> tuple[date, bool]:
    """Like :func:`add_workdays`, but never stops at a year without a holiday arrangement.

    Returns ``(day, provisional)``. Days in covered years are counted exactly as :func:`add_workdays`
    counts them; a day in an uncovered year counts iff it is Monday-Friday and not a statutory holiday
    of 《全国年节及纪念日放假办法》. ``provisional`` is True iff a day of an uncovered year was examined:
    the date is then a provisional deadline, to be recomputed when that year's notice is imported.
    Raises ``ValueError`` for a negative/non-integer ``n`` and :class:`CalendarNotCovered` only for an
    uncovered year outside 2025-2099.
    """
    n = _check_count(n)
    if isinstance(start, datetime):
        start = start.date()
    days = _ProvisionalDays()
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if days.is_workday(day):
            remaining -= 1
    return day, days.provisional


def workdays_between(start: date, end: date) -> tuple[int, bool]:
    """Number of working days ``d`` with ``start < d <= end`` (0 when ``end <= start``), and whether it is provisional.

    Days are judged as in :func:`add_workdays_provisional`, so ``add_workdays_provisional(s, n)[0]``
    is the first day ``e`` with ``workdays_between(s, e)[0] == n`` (for ``n > 0``). Meant for
    suspended legal clocks (中止): the working days a suspension lasted.
    """
    if isinstance(start, datetime):
        start = start.date()
    if isinstance(end, datetime):
        end = end.date()
    days = _ProvisionalDays()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if days.is_workday(day):
            count += 1
    return count, days.provisional


def deadline_at(start: date, n: int) -> datetime:
    """End of the deadline day (期限届满日 23:59:59, Asia/Shanghai) ``n`` working days after ``start``."""
    return datetime.combine(add_workdays(start, n), time(23, 59, 59), tzinfo=SHANGHAI)


def workdays(n: int, now: datetime | None = None) -> str:
    """ISO-8601 deadline ``n`` working days from today (Beijing time), for BPMN timer expressions.

    ``now`` defaults to ``django.utils.timezone.now()``; an aware ``now`` is converted to Asia/Shanghai,
    a naive one is taken as Beijing wall-clock time. Example: ``workdays(7)`` on 2025-09-28 returns
    ``"2025-10-14T23:59:59+08:00"``.
    """
    n = _check_count(n)
    if now is None:
        now = timezone.now()
    local = now.astimezone(SHANGHAI) if timezone.is_aware(now) else now
    return deadline_at(local.date(), n).isoformat()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: str) -> date:
    """Parse a strict ``YYYY-MM-DD`` date (e.g. a query or command-line argument).

    Raises ``ValueError`` with a Chinese message for anything else (``20250928``, ``2025-02-30``...).
    """
    text = str(value).strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"日期格式无效：{value!r}，应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"日期无效：{value!r}，不存在该日期") from exc


def connect_cache_invalidation() -> None:
    """Clear the per-year cache whenever a ``CalendarYear`` or ``CalendarDay`` is saved or deleted.

    Senders are given lazily as ``"processes.CalendarDay"`` strings, so this is safe to call before
    the app registry is ready; ``dispatch_uid`` makes repeated calls harmless.
    """
    for model in ("processes.CalendarYear", "processes.CalendarDay"):
        for signal, kind in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(
                clear_calendar_cache,
                sender=model,
                weak=False,
                dispatch_uid=f"business_calendar:{model}:{kind}",
            )


connect_cache_invalidation()
