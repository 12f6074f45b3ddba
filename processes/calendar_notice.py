"""Reading the 国务院办公厅 holiday notice (关于Y年部分节假日安排的通知) into holidays and 调休 working days.

:func:`parse_notice` reads the official text, e.g.::

    国务院办公厅关于2026年部分节假日安排的通知
    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。
    五、端午节：6月10日放假，与周末连休。

and returns a :class:`CalendarNotice`: ``holidays`` are every day inside each 放假 range (weekends
inside the range included, plus 补休 days), ``workdays`` the listed 上班 days. Dates without a year
belong to the notice's year (``关于2026年…`` / ``现将2026年…``); a range end without a month takes the
start's month (``2月15日至23日``), one earlier in the year than its start runs into the next year.
Parenthesised notes (``（农历腊月二十八、星期日）``) are skipped, except that a weekday written in
them (``周四``/``星期四``) must be the date's weekday.

Text that cannot be read is refused with :class:`NoticeError` (a ``ValueError`` whose Chinese
message quotes the offending sentence): no year, no holiday item, an unknown holiday name, a date
that does not exist, a weekday note that disagrees with its date, a 上班 day that is not a Saturday
or Sunday (or that lies inside a 放假 range), a ``共N天``/``放假N天`` count that disagrees with the
range, a day listed twice, or a sentence with a date that is neither 放假 nor 上班.

:func:`save_notice` stores a parsed notice as the year's ``CalendarYear`` + ``CalendarDay`` rows in one
transaction (replacing that year's rows), writes a ``calendar_imported`` audit row and clears the
business-calendar cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = [
    "HOLIDAY_NAMES",
    "CalendarNotice",
    "NoticeError",
    "parse_notice",
    "save_notice",
]

#: Holiday names a notice item may carry (国庆节、中秋节 when the two share one range).
HOLIDAY_NAMES = (
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
    "国庆节、中秋节",
    "中秋节、国庆节",
)

_WEEKDAY_CHARS = "一二三四五六日"


class NoticeError(ValueError):
    """The notice text cannot be read; the message (Chinese) names the offending sentence."""


@dataclass
class CalendarNotice:
    """One year's arrangement as read from the notice."""

    year: int
    title: str
    holidays: dict[date, str] = field(default_factory=dict)  # day off -> holiday name
    workdays: dict[date, str] = field(default_factory=dict)  # 调休 weekend working day -> holiday name

    def holidays_by_name(self) -> dict[str, list[date]]:
        out: dict[str, list[date]] = {}
        for d, name in sorted(self.holidays.items()):
            out.setdefault(name, []).append(d)
        return out

    def workdays_by_name(self) -> dict[str, list[date]]:
        out: dict[str, list[date]] = {}
        for d, name in sorted(self.workdays.items()):
            out.setdefault(name, []).append(d)
        return out

    def is_workday(self, d: date) -> bool:
        """Monday-Friday, except the holidays, plus the 调休 working days."""
        if d in self.holidays:
            return False
        if d in self.workdays:
            return True
        return d.weekday() < 5

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }

    def summary_lines(self) -> list[str]:
        lines = [f"{self.title or f'{self.year}年节假日安排'}"]
        workdays_by_name = self.workdays_by_name()
        for name, days in self.holidays_by_name().items():
            line = f"{name}：放假 {len(days)} 天（{_span(days)}）"
            if name in workdays_by_name:
                line += "；调休上班 " + "、".join(_md(d) for d in workdays_by_name[name])
            lines.append(line)
        lines.append(f"合计：放假 {len(self.holidays)} 天，调休上班 {len(self.workdays)} 天")
        return lines


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日（星期{_WEEKDAY_CHARS[d.weekday()]}）"


def _span(days: list[date]) -> str:
    first, last = days[0], days[-1]
    if first == last:
        return f"{first.month}月{first.day}日"
    return f"{first.month}月{first.day}日至{last.month}月{last.day}日"


# --- parsing -----------------------------------------------------------------------------------

_YEAR_PATTERNS = (
    re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排"),
    re.compile(r"现将\s*(\d{4})\s*年"),
)
_TITLE = re.compile(r"国务院办公厅关于\s*\d{4}\s*年\s*部分节假日安排的通知")
_DOC_NUMBER = re.compile(r"国办发明电\s*[〔［\[(（]\s*\d{4}\s*[〕］\])）]\s*\d+\s*号")
_NUMERAL = "一二三四五六七八九十"
# An item: "二、春节：…" (numbered) or a line starting "春节：…".
_ITEM_START = re.compile(rf"(?:(?<=[\s。])|^)[{_NUMERAL}]+、\s*([^：:\s。，]{{1,12}})\s*[：:]")
_LINE_ITEM_START = re.compile(r"^\s*([^：:\s。，、]{1,12}(?:、[^：:\s。，、]{1,12})?)\s*[：:]")
_PAREN = re.compile(r"[（(]([^（()）]*)[）)]")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
_RANGE = re.compile(
    rf"(?P<start>{_DATE.pattern})(?:\s*[（(][^（()）]*[）)])?(?:\s*(?:至|—|－|-|~|～)\s*(?P<end>{_DATE.pattern}))?"
)
_COUNT = re.compile(r"(?:共|放假)\s*(\d+)\s*天")
_WEEKDAY_NOTE = re.compile(r"(?:星期|周)([一二三四五六日天])")


@dataclass
class _Date:
    value: date
    note: str  # parenthesised text right after the date ("" when none)


def _fail(message: str, sentence: str) -> NoticeError:
    return NoticeError(f"{message}：“{sentence.strip()}”")


def _year_of(text: str) -> int:
    for pattern in _YEAR_PATTERNS:
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    raise NoticeError(
        "通知中找不到年份：应含“国务院办公厅关于Y年部分节假日安排的通知”标题或“现将Y年……通知如下”一句"
    )


def _items(text: str) -> list[tuple[str, str]]:
    """(holiday name, item text) for every holiday item of the notice, in order."""
    items: list[tuple[str, str]] = []
    for line in text.splitlines():
        starts = list(_ITEM_START.finditer(line))
        if not starts:
            m = _LINE_ITEM_START.match(line)
            if m and ("放假" in line or "上班" in line) and _DATE.search(line):
                starts = [m]
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(line)
            name = m.group(1).strip()
            body = line[m.end() : end].strip()
            if name not in HOLIDAY_NAMES:
                raise _fail(f"无法识别的节日名称“{name}”", line[m.start() : end])
            items.append((name, body))
    return items


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。；;]", body) if s.strip()]


def _strip_notes(sentence: str) -> str:
    return _PAREN.sub("", sentence)


def _make_date(year: int, month: int, day: int, sentence: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _fail(f"日期不存在（{year}年{month}月{day}日）", sentence) from None


def _dates_with_notes(sentence: str, year: int) -> list[tuple[str, date, str, int, int]]:
    """Every date of ``sentence`` outside parentheses, as (kind, date, note, start, end).

    ``kind`` is ``"single"`` or ``"range"``; for a range two tuples follow each other
    (``"start"``/``"end"``). The month (and year) of a date without one is taken from the previous
    date of the sentence.
    """
    # Blank the parenthesised notes (keeping positions) so dates inside them are not read.
    masked = _PAREN.sub(lambda m: "（" + "　" * (len(m.group(0)) - 2) + "）", sentence)
    out: list[tuple[str, date, str, int, int]] = []
    cur_year, cur_month = year, None
    for m in _RANGE.finditer(masked):
        parts = [("start", m.start("start"), m.end("start"))]
        if m.group("end"):
            parts.append(("end", m.start("end"), m.end("end")))
        prev: date | None = None
        for kind, s, e in parts:
            dm = _DATE.fullmatch(masked[s:e].strip())
            assert dm is not None
            y, mo, d = dm.group(1), dm.group(2), dm.group(3)
            explicit_year = y is not None
            if explicit_year:
                cur_year = int(y)
            if mo is not None:
                new_month = int(mo)
                if kind == "end" and prev is not None and not explicit_year and new_month < prev.month:
                    cur_year = prev.year + 1  # "12月31日至1月2日"
                cur_month = new_month
            if cur_month is None:
                raise _fail("日期缺少月份", sentence)
            value = _make_date(cur_year, cur_month, int(d), sentence)
            note_match = _PAREN.match(sentence, e) if e < len(sentence) else None
            note = note_match.group(1) if note_match else ""
            tag = "single" if len(parts) == 1 else kind
            out.append((tag, value, note, s, e))
            prev = value
    return out


def _check_weekday(d: date, note: str, sentence: str) -> None:
    m = _WEEKDAY_NOTE.search(note)
    if not m:
        return
    written = "日" if m.group(1) == "天" else m.group(1)
    actual = _WEEKDAY_CHARS[d.weekday()]
    if written != actual:
        raise _fail(
            f"{d.year}年{d.month}月{d.day}日是星期{actual}，通知写的是星期{written}",
            sentence,
        )


def _read_item(name: str, body: str, year: int, notice: CalendarNotice) -> None:
    for sentence in _sentences(body):
        plain = _strip_notes(sentence)
        dates = _dates_with_notes(sentence, year)
        if not dates:
            continue
        for _, d, note, _, _ in dates:
            _check_weekday(d, note, sentence)
        if "放假" in plain or "补休" in plain:
            _read_days_off(name, sentence, plain, dates, notice)
        elif "上班" in plain:
            _read_working_days(name, sentence, dates, notice)
        else:
            raise _fail("无法识别的句子（既不是放假安排，也不是调休上班）", sentence)


def _read_days_off(
    name: str,
    sentence: str,
    plain: str,
    dates: list[tuple[str, date, str, int, int]],
    notice: CalendarNotice,
) -> None:
    ranges: list[tuple[date, date]] = []
    i = 0
    while i < len(dates):
        tag, d = dates[i][0], dates[i][1]
        if tag == "start":
            end = dates[i + 1][1]
            if end < d:
                raise _fail("放假区间的结束日早于开始日", sentence)
            ranges.append((d, end))
            i += 2
        else:
            ranges.append((d, d))
            i += 1
    days: list[date] = []
    for start, end in ranges:
        d = start
        while d <= end:
            days.append(d)
            d += timedelta(days=1)
    count = _COUNT.search(plain)
    if count and int(count.group(1)) != len(days):
        raise _fail(f"天数不符：通知写共{count.group(1)}天，日期区间实为{len(days)}天", sentence)
    for d in days:
        if d in notice.holidays or d in notice.workdays:
            raise _fail(f"{d.month}月{d.day}日在通知中重复出现", sentence)
        notice.holidays[d] = name


def _read_working_days(
    name: str, sentence: str, dates: list[tuple[str, date, str, int, int]], notice: CalendarNotice
) -> None:
    if any(tag in ("start", "end") for tag, *_ in dates):
        raise _fail("调休上班日应逐日列出，不能写成区间", sentence)
    for _, d, _, _, _ in dates:
        if d.weekday() < 5:
            raise _fail(
                f"{d.month}月{d.day}日是星期{_WEEKDAY_CHARS[d.weekday()]}，本来就上班，不是调休上班日",
                sentence,
            )
        if d in notice.holidays or d in notice.workdays:
            raise _fail(f"{d.month}月{d.day}日在通知中重复出现", sentence)
        notice.workdays[d] = name


def parse_notice(text: str) -> CalendarNotice:
    """Read a 国务院办公厅 holiday notice; raises :class:`NoticeError` for text it cannot read."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    if not text.strip():
        raise NoticeError("通知内容为空")
    year = _year_of(text)
    title_match = _TITLE.search(text)
    title = (
        re.sub(r"\s+", "", title_match.group(0))
        if title_match
        else f"国务院办公厅关于{year}年部分节假日安排的通知"
    )
    number = _DOC_NUMBER.search(text)
    if number:
        title += "（" + re.sub(r"\s+", "", number.group(0)) + "）"
    notice = CalendarNotice(year=year, title=title)
    items = _items(text)
    if not items:
        raise NoticeError("通知中找不到节假日安排：应有“一、元旦：1月1日放假……”这样的条目")
    for name, body in items:
        before = len(notice.holidays)
        _read_item(name, body, year, notice)
        if len(notice.holidays) == before:
            raise _fail(f"“{name}”一条没有放假日期", f"{name}：{body}")
    return notice


# --- saving ------------------------------------------------------------------------------------


def save_notice(notice: CalendarNotice, text: str, *, actor: Any = None) -> dict[str, int]:
    """Store ``notice`` as its year's table (one transaction) and return the counts written.

    The ``CalendarYear`` row gets the notice's title as ``source`` and the full ``text`` as
    ``source_text``; that year's ``CalendarDay`` rows are replaced (days of the notice in a
    neighbouring year, such as 12月31日 of the year before, are written too, replacing any row of
    that date). Writes a ``calendar_imported`` audit row, clears the business-calendar cache and
    recomputes every provisional deadline (``counts["recomputed"]`` cases).
    """
    from django.db import transaction

    from processes import audit, engine
    from processes.business_calendar import clear_calendar_cache
    from processes.models import CalendarDay, CalendarYear

    year = notice.year
    rows = [
        CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=n) for d, n in sorted(notice.holidays.items())
    ]
    rows += [
        CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=n) for d, n in sorted(notice.workdays.items())
    ]
    with transaction.atomic():
        calendar_year, created = CalendarYear.objects.update_or_create(
            year=year,
            defaults={"source": notice.title[:300], "source_text": text},
        )
        replaced, _ = CalendarDay.objects.filter(date__year=year).delete()
        outside = [r.date for r in rows if r.date.year != year]
        if outside:
            CalendarDay.objects.filter(date__in=outside).delete()
        CalendarDay.objects.bulk_create(rows)
        counts = {
            "holidays": len(notice.holidays),
            "workdays": len(notice.workdays),
            "replaced_rows": replaced,
        }
        audit.record(
            "calendar_imported",
            actor=actor,
            year=year,
            source=notice.title,
            created=created,
            **counts,
        )
        transaction.on_commit(clear_calendar_cache)
    clear_calendar_cache()
    # Deadlines counted provisionally into this year are counted again on the published table
    # (each case audited: provisional_deadlines_recomputed).
    counts["recomputed"] = engine.recompute_provisional_deadlines(actor=actor)
    return counts
