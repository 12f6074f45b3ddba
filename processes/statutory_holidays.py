"""Statutory holidays (全体公民放假的节日) fixed by 《全国年节及纪念日放假办法》.

The 办法 as revised by 国务院令第798号 (《国务院关于修改〈全国年节及纪念日放假办法〉的决定》, published
2024-11-10, in force 2025-01-01), 第二条:

============  ==================================  ======
节日          放假日期                            天数
============  ==================================  ======
元旦（新年）  1月1日                              1
春节          农历除夕、正月初一至初三            4
清明节        农历清明当日（清明节气那一天）      1
劳动节        5月1日、2日                         2
端午节        农历端午当日（五月初五）            1
中秋节        农历中秋当日（八月十五）            1
国庆节        10月1日至3日                        3
============  ==================================  ======

除夕 is the day before 正月初一, i.e. 腊月廿九 in years whose 腊月 has only 29 days.

This is only what the 办法 itself fixes. The yearly 国务院办公厅 notice adds what it leaves open:
调休 (weekend working days and the days off moved next to a festival) and the 补假 of 第六条 for a
festival falling on a Saturday or Sunday. Those cannot be known before the notice, so working days
counted from this table (``business_calendar.add_workdays_provisional``) are provisional.

Lunar dates come from ``lunardate`` (pure Python, lunar years 1900-2099); the 清明 solar term from
``chinese_calendar.get_solar_terms`` (寿星 formula with corrections, 1900-2100). Both agree with
chinese_calendar's published holidays of 2008-2026 wherever those list the festival day, and 清明 of
2025-2099 agrees with an astronomical computation (solar longitude 15°, Beijing time).
Only 2025 (first year of the revision) to 2099 (last year of ``lunardate``) are answered: earlier
years were under other rules, later ones are outside the lunar table.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar
from lunardate import LunarDate

__all__ = ["FIRST_YEAR", "LAST_YEAR", "statutory_holidays"]

#: 国务院令第798号 is in force from 2025-01-01; earlier years had different holidays.
FIRST_YEAR = 2025
#: ``lunardate`` 0.3.0 knows lunar years 1900-2099.
LAST_YEAR = 2099


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    (day,) = [d for d, name in terms if name == "清明"]
    return day


@functools.cache
def _table(year: int) -> tuple[tuple[date, str], ...]:
    spring = _lunar(year, 1, 1)  # 正月初一 of lunar year `year` always falls in January/February
    days: list[tuple[date, str]] = [
        (date(year, 1, 1), "元旦"),
        *((spring + timedelta(days=k), "春节") for k in range(-1, 3)),  # 除夕、初一至初三
        (_qingming(year), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (_lunar(year, 5, 5), "端午节"),
        (_lunar(year, 8, 15), "中秋节"),
        *((date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    table: dict[date, str] = {}
    for day, name in days:
        assert day.year == year, (day, name)
        # 中秋 can fall on 10月1-3日 (2028, 2031, ...): one day off, both names.
        table[day] = f"{table[day]}、{name}" if day in table else name
    return tuple(sorted(table.items()))


def statutory_holidays(year: int) -> dict[date, str]:
    """The days off fixed by 《全国年节及纪念日放假办法》 (国务院令第798号) in ``year``: date → 节日名称.

    13 days (12 when 中秋 falls inside 国庆 and the day is named ``"中秋节、国庆节"``), no 调休 and no
    第六条 补假. Raises ``ValueError`` for a year outside :data:`FIRST_YEAR`-:data:`LAST_YEAR`.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"年份必须是整数，收到：{year!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"无法推算{year}年的法定节假日：仅支持{FIRST_YEAR}-{LAST_YEAR}年"
            "（国务院令第798号施行之后、农历数据范围之内）"
        )
    return dict(_table(year))
