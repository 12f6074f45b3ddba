"""Statutory holidays of 《全国年节及纪念日放假办法》 (国务院令第798号) and provisional working-day counting.

2025 and 2026 are the first years under the 798 revision; chinese_calendar 1.11.0 carries their
official arrangements, so the table computed from the 办法 is checked against them day by day.

Source of the 2027 dates: lunardate 0.3.0 (正月初一 = 2027-02-06, 除夕 = 腊月廿九 = 2027-02-05, 端午
2027-06-09, 中秋 2027-09-15) and chinese_calendar.get_solar_terms (清明 2027-04-05), cross-checked by
computing the new moons (Meeus, Astronomical Algorithms ch. 49): 2027-01-08 04:24 and 2027-02-06 23:56
Beijing time (the annular solar eclipse of 6 February 2027), so 腊月 runs 01-08..02-05 (29 days) and
正月初一 is 02-06.
"""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from processes.business_calendar import (
    CalendarNotCovered,
    add_workdays,
    add_workdays_provisional,
    clear_calendar_cache,
    workdays_between,
)
from processes.models import CalendarDay, CalendarYear
from processes.statutory_holidays import statutory_holidays

D = date.fromisoformat

#: chinese_calendar's (English) holiday names for the 办法's festivals.
CC_NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-autumn Festival",
    "国庆节": "National Day",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Test transactions roll back without post_delete signals: never let a year leak between tests.
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


# --- statutory_holidays ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_798_holidays_are_holidays_in_chinese_calendar_with_the_same_names(year):
    table = statutory_holidays(year)
    assert len(table) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3
    counts = {name: list(table.values()).count(name) for name in CC_NAMES}
    assert counts == {"元旦": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}
    for day, name in table.items():
        assert day.year == year
        assert chinese_calendar.is_holiday(day), (day, name)
        on_holiday, cc_name = chinese_calendar.get_holiday_detail(day)
        assert on_holiday and cc_name == CC_NAMES[name], (day, name, cc_name)


def test_2025_and_2026_festival_days():
    # 除夕 is a day off since the 798 revision (2025-01-28 Tue, 2026-02-16 Mon).
    assert statutory_holidays(2025) == {
        D("2025-01-01"): "元旦",
        D("2025-01-28"): "春节",
        D("2025-01-29"): "春节",
        D("2025-01-30"): "春节",
        D("2025-01-31"): "春节",
        D("2025-04-04"): "清明节",
        D("2025-05-01"): "劳动节",
        D("2025-05-02"): "劳动节",
        D("2025-05-31"): "端午节",
        D("2025-10-01"): "国庆节",
        D("2025-10-02"): "国庆节",
        D("2025-10-03"): "国庆节",
        D("2025-10-06"): "中秋节",
    }
    assert [
        d for d, name in statutory_holidays(2026).items() if name in ("春节", "清明节", "端午节", "中秋节")
    ] == [
        D("2026-02-16"),
        D("2026-02-17"),
        D("2026-02-18"),
        D("2026-02-19"),
        D("2026-04-05"),
        D("2026-06-19"),
        D("2026-09-25"),
    ]


def test_2027_festival_days():
    assert statutory_holidays(2027) == {
        D("2027-01-01"): "元旦",
        D("2027-02-05"): "春节",  # 除夕 = 腊月廿九 (腊月 of lunar 2026 has 29 days)
        D("2027-02-06"): "春节",  # 正月初一
        D("2027-02-07"): "春节",
        D("2027-02-08"): "春节",
        D("2027-04-05"): "清明节",
        D("2027-05-01"): "劳动节",
        D("2027-05-02"): "劳动节",
        D("2027-06-09"): "端午节",
        D("2027-09-15"): "中秋节",
        D("2027-10-01"): "国庆节",
        D("2027-10-02"): "国庆节",
        D("2027-10-03"): "国庆节",
    }


def test_mid_autumn_inside_national_day_is_one_day_with_both_names():
    table = statutory_holidays(2028)  # 中秋 2028 = 10月3日
    assert len(table) == 12
    assert table[D("2028-10-03")] == "中秋节、国庆节"
    assert table[D("2028-10-01")] == "国庆节"


def test_result_is_a_fresh_dict():
    statutory_holidays(2027).clear()
    assert len(statutory_holidays(2027)) == 13


@pytest.mark.parametrize("year", [2024, 2003, 2100, 3000])
def test_years_outside_the_798_revision_or_the_lunar_table_are_refused(year):
    # 2024 still had the 2013 rules (除夕 not a day off: 2024-02-09 was a working day).
    with pytest.raises(ValueError, match=f"{year}年"):
        statutory_holidays(year)


@pytest.mark.parametrize("year", ["2027", 2027.0, True])
def test_year_must_be_an_integer(year):
    with pytest.raises(ValueError):
        statutory_holidays(year)


def test_every_supported_year_has_its_thirteen_days():
    for year in range(2025, 2100):
        table = statutory_holidays(year)
        assert len(table) in (12, 13), year
        assert all(d.year == year for d in table), year
        spring = sorted(d for d, name in table.items() if name == "春节")
        assert len(spring) == 4 and spring[-1] - spring[0] == timedelta(days=3), year


# --- add_workdays_provisional --------------------------------------------------------------------


@pytest.mark.django_db
def test_provisional_equals_strict_in_covered_years():
    for start in _days(D("2025-01-01"), D("2026-11-15")):
        for n in (0, 1, 2, 3, 5, 7, 15, 20):
            assert add_workdays_provisional(start, n) == (add_workdays(start, n), False), (start, n)


@pytest.mark.django_db
def test_december_deadline_runs_into_uncovered_2027_provisionally():
    with pytest.raises(CalendarNotCovered):
        add_workdays(D("2026-12-15"), 20)

    # Dec 16-18 (3), 21-25 (8), 28-31 (12); 2027-01-01 (Fri) 元旦 off; Jan 4-8 (17), 11-13 (20).
    assert add_workdays_provisional(D("2026-12-15"), 20) == (D("2027-01-13"), True)
    # 2026-12-31 is the last day counted in 2026: no 2027 day examined yet.
    assert add_workdays_provisional(D("2026-12-30"), 1) == (D("2026-12-31"), False)
    assert add_workdays_provisional(D("2026-12-30"), 2) == (D("2027-01-04"), True)
    assert add_workdays_provisional(D("2026-12-31"), 1) == (D("2027-01-04"), True)


@pytest.mark.django_db
def test_uncovered_year_skips_weekday_festivals_and_all_weekends():
    assert add_workdays_provisional(D("2027-02-04"), 1) == (D("2027-02-09"), True)  # 春节 Fri 5 - Mon 8
    assert add_workdays_provisional(D("2027-04-02"), 1) == (D("2027-04-06"), True)  # 清明 Mon 5
    assert add_workdays_provisional(D("2027-06-08"), 1) == (D("2027-06-10"), True)  # 端午 Wed 9
    assert add_workdays_provisional(D("2027-09-14"), 1) == (D("2027-09-16"), True)  # 中秋 Wed 15
    assert add_workdays_provisional(D("2027-09-30"), 1) == (D("2027-10-04"), True)  # 国庆 Fri 1
    # No 调休 and no 补假: 劳动节 falls on Sat/Sun 2027-05-01/02, Monday 05-03 is a working day.
    assert add_workdays_provisional(D("2027-04-30"), 1) == (D("2027-05-03"), True)
    assert add_workdays_provisional(D("2027-01-08"), 5) == (D("2027-01-15"), True)  # Saturdays stay off
    assert add_workdays_provisional(D("2027-03-01"), 0) == (D("2027-03-01"), False)  # nothing examined


@pytest.mark.django_db
def test_importing_the_year_makes_the_count_strict():
    # The year's table (here: 元旦 1-3 off, Saturday 01-09 a 调休 working day) replaces the statutory guess.
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（测试）")
    for day in ("2027-01-01", "2027-01-02", "2027-01-03"):
        CalendarDay.objects.create(date=D(day), kind="holiday", name="元旦")
    CalendarDay.objects.create(date=D("2027-01-09"), kind="workday", name="元旦调休")

    # Jan 4-8 (17), Sat 9 (18), 11 (19), 12 (20).
    assert add_workdays(D("2026-12-15"), 20) == D("2027-01-12")
    assert add_workdays_provisional(D("2026-12-15"), 20) == (D("2027-01-12"), False)
    # The table is authoritative: a festival it does not list is a working day, no statutory mixing.
    assert add_workdays_provisional(D("2027-02-04"), 1) == (D("2027-02-05"), False)
    assert workdays_between(D("2026-12-28"), D("2027-01-12")) == (11, False)  # 3 + Jan 4-8, 9, 11, 12


@pytest.mark.django_db
def test_provisional_count_checks_its_arguments():
    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(ValueError):
            add_workdays_provisional(D("2026-12-15"), bad)
    assert add_workdays_provisional(datetime(2026, 12, 15, 18, 30), 20) == (D("2027-01-13"), True)


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["2003-12-30", "2099-12-30"])
def test_uncovered_year_outside_the_798_table_still_raises(start):
    with pytest.raises(CalendarNotCovered):
        add_workdays_provisional(D(start), 3)


# --- workdays_between ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_workdays_between_in_covered_years_counts_chinese_calendars_working_days():
    for start, end in [
        ("2025-09-26", "2025-10-14"),
        ("2025-01-01", "2025-12-31"),
        ("2026-02-13", "2026-03-02"),
        ("2025-12-31", "2026-01-05"),
    ]:
        expected = sum(chinese_calendar.is_workday(d) for d in _days(D(start) + timedelta(days=1), D(end)))
        assert workdays_between(D(start), D(end)) == (expected, False), (start, end)
    # 2025 国庆中秋: 10-01..10-08 off, 09-28 (Sun) and 10-11 (Sat) on.
    assert workdays_between(D("2025-09-27"), D("2025-10-11")) == (6, False)  # 9/28,9/29,9/30,10/9,10/10,10/11
    assert add_workdays(D("2025-09-27"), 6) == D("2025-10-11")


@pytest.mark.django_db
def test_workdays_between_empty_and_reversed():
    assert workdays_between(D("2027-03-03"), D("2027-03-03")) == (0, False)
    assert workdays_between(D("2027-03-04"), D("2027-03-03")) == (0, False)
    assert workdays_between(D("2026-03-06"), D("2026-03-08")) == (0, False)  # a weekend


@pytest.mark.django_db
def test_workdays_between_into_and_across_uncovered_2027():
    # Dec 29, 30, 31 (3) + Jan 4-8 (5); 2027-01-01 元旦.
    assert workdays_between(D("2026-12-28"), D("2027-01-08")) == (8, True)
    assert workdays_between(D("2026-12-15"), D("2027-01-13")) == (20, True)
    assert workdays_between(datetime(2026, 12, 15, 9), datetime(2027, 1, 13, 23)) == (20, True)
    # Jan 2 .. Dec 31 2027: 260 weekdays, less the weekday festivals 2/5, 2/8, 4/5, 6/9, 9/15, 10/1.
    assert workdays_between(D("2027-01-01"), D("2027-12-31")) == (254, True)


@pytest.mark.django_db
def test_workdays_between_is_the_inverse_of_add_workdays_provisional():
    start = D("2026-11-20")
    for n in range(1, 60):
        end, provisional = add_workdays_provisional(start, n)
        assert workdays_between(start, end) == (n, provisional), n
        assert workdays_between(start, end - timedelta(days=1))[0] == n - 1, n
