"""Chinese working-day calendar: chinese_calendar years, hand-entered years, command and API.

Expected deadlines below were counted by hand from the 国务院办公厅 notices and cross-checked against
chinese_calendar 1.11.0 (see ``test_vector_days_agree_with_chinese_calendar``).
"""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from processes import business_calendar as bc
from processes.business_calendar import (
    CalendarNotCovered,
    add_workdays,
    clear_calendar_cache,
    deadline_at,
    is_workday,
    parse_iso_date,
    workdays,
)
from processes.models import CalendarDay, CalendarYear

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Test transactions roll back without post_delete signals: never let a year leak between tests.
    clear_calendar_cache()
    yield
    clear_calendar_cache()


# --- is_workday ----------------------------------------------------------------------------------

# (day, weekday 0=Mon, is working day, why)
DAY_VECTORS = [
    ("2023-01-28", 5, True, "2023 春节调休 周六上班"),
    ("2023-01-29", 6, True, "2023 春节调休 周日上班"),
    ("2023-01-23", 0, False, "2023 春节 周一放假"),
    ("2023-04-23", 6, True, "2023 劳动节调休 周日上班"),
    ("2023-05-06", 5, True, "2023 劳动节调休 周六上班"),
    ("2023-10-07", 5, True, "2023 国庆调休 周六上班"),
    ("2023-10-08", 6, True, "2023 国庆调休 周日上班"),
    ("2024-02-04", 6, True, "2024 春节调休 周日上班"),
    ("2024-02-09", 4, True, "2024 除夕 周五 不在放假安排内"),
    ("2024-02-12", 0, False, "2024 春节 周一放假"),
    ("2024-02-18", 6, True, "2024 春节调休 周日上班"),
    ("2024-09-14", 5, True, "2024 中秋调休 周六上班"),
    ("2024-09-16", 0, False, "2024 中秋 周一放假"),
    ("2024-09-29", 6, True, "2024 国庆调休 周日上班"),
    ("2024-10-07", 0, False, "2024 国庆 周一放假"),
    ("2024-10-12", 5, True, "2024 国庆调休 周六上班"),
    ("2025-01-26", 6, True, "2025 春节调休 周日上班"),
    ("2025-01-28", 1, False, "2025 除夕 周二放假"),
    ("2025-02-04", 1, False, "2025 春节 周二放假"),
    ("2025-02-08", 5, True, "2025 春节调休 周六上班"),
    ("2025-09-28", 6, True, "2025 国庆调休 周日上班"),
    ("2025-10-06", 0, False, "2025 中秋 周一放假"),
    ("2025-10-08", 2, False, "2025 国庆 周三放假"),
    ("2025-10-11", 5, True, "2025 国庆调休 周六上班"),
    ("2025-10-12", 6, False, "2025 普通周日"),
    ("2026-01-02", 4, False, "2026 元旦 周五放假"),
    ("2026-01-04", 6, True, "2026 元旦调休 周日上班"),
    ("2026-02-14", 5, True, "2026 春节调休 周六上班"),
    ("2026-02-23", 0, False, "2026 春节 周一放假"),
    ("2026-02-28", 5, True, "2026 春节调休 周六上班"),
    ("2026-05-09", 5, True, "2026 劳动节调休 周六上班"),
    ("2026-09-20", 6, True, "2026 国庆调休 周日上班"),
    ("2026-10-07", 2, False, "2026 国庆 周三放假"),
    ("2026-10-10", 5, True, "2026 国庆调休 周六上班"),
    ("2026-10-12", 0, True, "2026 普通周一"),
]


@pytest.mark.parametrize(("day", "weekday", "expected", "why"), DAY_VECTORS, ids=[v[0] for v in DAY_VECTORS])
def test_is_workday_vectors(day, weekday, expected, why):
    d = D(day)
    assert d.weekday() == weekday, why
    assert is_workday(d) is expected, why


def test_vector_days_agree_with_chinese_calendar():
    for day, _, expected, why in DAY_VECTORS:
        assert chinese_calendar.is_workday(D(day)) is expected, why


# --- add_workdays --------------------------------------------------------------------------------

# (start, n, expected deadline, hand count)
DEADLINE_VECTORS = [
    # 2025 国庆中秋: 10-01..10-08 off, 09-28 (Sun) and 10-11 (Sat) on.
    ("2025-09-28", 7, "2025-10-14", "9/29,9/30,10/9,10/10,10/11(六),10/13,10/14"),
    ("2025-09-30", 3, "2025-10-11", "10/9,10/10,10/11(六调休)"),
    ("2025-10-01", 1, "2025-10-09", "节假日起算，当日不计"),
    ("2025-10-08", 1, "2025-10-09", "假期最后一天起算"),
    ("2025-09-26", 1, "2025-09-28", "周五起算，周六休，周日调休上班"),
    ("2025-10-10", 1, "2025-10-11", "周五起算，次日周六调休上班"),
    ("2025-10-11", 1, "2025-10-13", "调休周六起算，周日休"),
    # 2025 春节: 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) on.
    ("2025-01-24", 1, "2025-01-26", "周六休，周日调休上班"),
    ("2025-01-24", 5, "2025-02-07", "1/26,1/27,2/5,2/6,2/7"),
    ("2025-01-24", 6, "2025-02-08", "第 6 个为周六调休上班日"),
    ("2025-01-27", 1, "2025-02-05", "跨整个春节假期"),
    # 2024 春节: 02-10..02-17 off, 02-04 and 02-18 (both Sun) on.
    ("2024-02-02", 3, "2024-02-06", "2/4(日),2/5,2/6"),
    ("2024-02-08", 2, "2024-02-18", "2/9,2/18(日调休)"),
    # 2024 中秋 / 国庆: 09-15..09-17, 10-01..10-07 off; 09-14 (Sat), 09-29 (Sun), 10-12 (Sat) on.
    ("2024-09-13", 1, "2024-09-14", "周六调休上班"),
    ("2024-09-13", 2, "2024-09-18", "9/14,9/18"),
    ("2024-09-27", 3, "2024-10-08", "9/29(日),9/30,10/8"),
    ("2024-09-30", 5, "2024-10-12", "10/8..10/11,10/12(六)"),
    # 2023 劳动节 / 国庆.
    ("2023-04-21", 1, "2023-04-23", "周日调休上班"),
    ("2023-09-28", 2, "2023-10-08", "9/29..10/6 休，10/7(六),10/8(日)"),
    # 2026.
    ("2025-12-31", 1, "2026-01-04", "跨年：1/1..1/3 休，1/4(日)调休上班"),
    ("2026-02-13", 2, "2026-02-24", "2/14(六),2/24"),
    ("2026-02-24", 4, "2026-02-28", "2/25,2/26,2/27,2/28(六)"),
    ("2026-09-30", 3, "2026-10-10", "10/8,10/9,10/10(六)"),
    ("2026-09-18", 2, "2026-09-21", "9/20(日)调休,9/21"),
    # Plain weeks.
    ("2025-03-07", 5, "2025-03-14", "普通周五起算"),
    ("2025-03-08", 1, "2025-03-10", "普通周六起算"),
]


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"), DEADLINE_VECTORS, ids=[f"{v[0]}+{v[1]}" for v in DEADLINE_VECTORS]
)
def test_add_workdays_vectors(start, n, expected, why):
    assert add_workdays(D(start), n) == D(expected), why


def test_start_day_is_never_counted():
    assert is_workday(D("2025-09-29"))
    assert add_workdays(D("2025-09-29"), 1) == D("2025-09-30")  # a working day start is not day 1
    assert add_workdays(D("2025-10-01"), 1) == D("2025-10-09")  # a holiday start is not rolled first


@pytest.mark.parametrize("start", ["2025-09-28", "2025-10-01", "2025-10-12", "2026-12-31"])
def test_zero_workdays_returns_start(start):
    assert add_workdays(D(start), 0) == D(start)


@pytest.mark.parametrize("n", [-1, 1.5, "3", True, None])
def test_add_workdays_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="工作日天数"):
        add_workdays(D("2025-09-28"), n)


# --- years beyond chinese_calendar ---------------------------------------------------------------


def test_uncovered_year_raises():
    with pytest.raises(CalendarNotCovered, match="2027") as info:
        is_workday(D("2027-01-04"))
    assert info.value.year == 2027
    assert "节假日安排" in str(info.value)


def test_count_running_into_uncovered_year_raises():
    with pytest.raises(CalendarNotCovered, match="2027") as info:
        add_workdays(D("2026-12-31"), 1)
    assert info.value.year == 2027


def test_uncovered_early_year_raises():
    with pytest.raises(CalendarNotCovered, match="2003"):
        is_workday(D("2003-06-02"))


def _enter_2027():
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕X号（测试数据）")
    for day in ("2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"):
        CalendarDay.objects.create(date=D(day), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    CalendarDay.objects.create(date=D("2027-02-06"), kind=CalendarDay.Kind.WORKDAY, name="测试调休")
    CalendarDay.objects.create(date=D("2027-02-20"), kind=CalendarDay.Kind.WORKDAY, name="测试调休")


def test_hand_entered_year_follows_table_then_monday_friday():
    with pytest.raises(CalendarNotCovered):
        is_workday(D("2027-01-04"))  # caches "2027 unknown"...
    _enter_2027()  # ...which the post_save signals must forget

    assert D("2027-01-01").weekday() == 4 and not is_workday(D("2027-01-01"))  # table: holiday
    assert D("2027-01-02").weekday() == 5 and not is_workday(D("2027-01-02"))  # plain Saturday
    assert D("2027-01-04").weekday() == 0 and is_workday(D("2027-01-04"))  # plain Monday
    assert D("2027-02-06").weekday() == 5 and is_workday(D("2027-02-06"))  # table: 调休 Saturday
    assert D("2027-02-20").weekday() == 5 and is_workday(D("2027-02-20"))

    assert add_workdays(D("2026-12-31"), 1) == D("2027-01-04")
    # 2/4 (Thu) start: 2/5 off, 2/6 Sat on (1), 2/7 Sun off, 2/8..2/11 off, 2/12 Fri (2).
    assert add_workdays(D("2027-02-04"), 2) == D("2027-02-12")


def test_hand_entered_year_counts():
    _enter_2027()
    # After 2/12 (Fri): 2/15 Mon..2/19 Fri are 1-5, 2/20 Sat (调休) is 6, 2/22 Mon is 7.
    assert add_workdays(D("2027-02-12"), 5) == D("2027-02-19")
    assert add_workdays(D("2027-02-12"), 6) == D("2027-02-20")
    assert add_workdays(D("2027-02-12"), 7) == D("2027-02-22")
    assert deadline_at(D("2027-02-12"), 6).isoformat() == "2027-02-20T23:59:59+08:00"


def test_deleting_hand_entered_year_uncovers_it_again():
    _enter_2027()
    assert is_workday(D("2027-01-04"))
    CalendarYear.objects.filter(year=2027).delete()
    with pytest.raises(CalendarNotCovered):
        is_workday(D("2027-01-04"))


def test_calendar_day_override_wins_over_chinese_calendar():
    assert add_workdays(D("2025-09-30"), 3) == D("2025-10-11")
    CalendarDay.objects.create(date=D("2025-10-10"), kind=CalendarDay.Kind.HOLIDAY, name="更正")
    CalendarDay.objects.create(date=D("2025-10-08"), kind=CalendarDay.Kind.WORKDAY, name="更正")
    assert is_workday(D("2025-10-08")) and chinese_calendar.is_holiday(D("2025-10-08"))
    assert not is_workday(D("2025-10-10")) and chinese_calendar.is_workday(D("2025-10-10"))
    assert is_workday(D("2025-10-11"))  # no row: chinese_calendar still decides
    # 10/8 (override on), 10/9, 10/10 (override off), 10/11 (调休 Saturday).
    assert add_workdays(D("2025-09-30"), 3) == D("2025-10-11")
    assert add_workdays(D("2025-09-30"), 2) == D("2025-10-09")


def test_calendar_year_row_replaces_chinese_calendar_for_that_year():
    CalendarYear.objects.create(year=2025, source="手工录入")
    CalendarDay.objects.create(date=D("2025-10-01"), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    assert not is_workday(D("2025-10-01"))
    assert is_workday(D("2025-10-02"))  # not in the table: Monday-Friday rule
    assert not is_workday(D("2025-09-28"))  # 调休 Sunday not in the table: a plain Sunday


def test_cache_is_per_year_and_clearable(django_assert_num_queries):
    clear_calendar_cache()
    with django_assert_num_queries(2):  # one year: CalendarYear exists + CalendarDay rows
        add_workdays(D("2025-09-28"), 7)
    with django_assert_num_queries(0):
        add_workdays(D("2025-09-28"), 7)
    with django_assert_num_queries(2):  # 2026 loaded once
        add_workdays(D("2025-12-30"), 10)
    clear_calendar_cache()
    with django_assert_num_queries(2):
        is_workday(D("2025-01-02"))


def test_cache_expires(monkeypatch, django_assert_num_queries):
    is_workday(D("2025-01-02"))
    monkeypatch.setattr(bc, "CACHE_TTL_SECONDS", 0.0)
    with django_assert_num_queries(2):
        is_workday(D("2025-01-02"))


# --- deadline_at / workdays ----------------------------------------------------------------------


def test_deadline_at_is_end_of_day_in_shanghai():
    due = deadline_at(D("2025-09-28"), 7)
    assert due == datetime(2025, 10, 14, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.utcoffset().total_seconds() == 8 * 3600
    assert due.isoformat() == "2025-10-14T23:59:59+08:00"


def test_workdays_iso_string():
    now = datetime(2025, 9, 28, 10, 0, tzinfo=SHANGHAI)
    assert workdays(7, now=now) == "2025-10-14T23:59:59+08:00"
    assert workdays(0, now=now) == "2025-09-28T23:59:59+08:00"


def test_workdays_uses_beijing_date_of_now():
    # 2025-09-27 20:00 UTC is already 2025-09-28 04:00 in Beijing.
    now_utc = datetime(2025, 9, 27, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert workdays(7, now=now_utc) == "2025-10-14T23:59:59+08:00"


def test_workdays_defaults_to_timezone_now(monkeypatch):
    monkeypatch.setattr(bc.timezone, "now", lambda: datetime(2025, 9, 30, 1, 0, tzinfo=ZoneInfo("UTC")))
    assert workdays(3) == "2025-10-11T23:59:59+08:00"


@pytest.mark.parametrize("n", [-1, True, False, 2.0, "7", None])
def test_workdays_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="工作日天数"):
        workdays(n, now=datetime(2025, 9, 28, 10, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize("text", ["20250928", "2025-9-28", "2025-02-30", "", "2025-W40-1", "tomorrow"])
def test_parse_iso_date_is_strict(text):
    with pytest.raises(ValueError):
        parse_iso_date(text)


# --- management command --------------------------------------------------------------------------


def test_deadline_command_prints_date():
    out = StringIO()
    call_command("deadline", "2025-09-28", "7", stdout=out)
    assert out.getvalue().strip() == "2025-10-14"


def test_deadline_command_zero():
    out = StringIO()
    call_command("deadline", "2025-10-01", "0", stdout=out)
    assert out.getvalue().strip() == "2025-10-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2025-13-01", "7"), "起始日期无效"),
        (("2025/09/28", "7"), "起始日期无效"),
        (("2025-09-28", "-1"), "不能为负数"),
        (("2025-09-28", "seven"), "工作日天数无效"),
        (("2025-09-28", "1.5"), "工作日天数无效"),
        (("2027-01-04", "1"), "2027年的节假日安排尚未录入"),
        (("2026-12-31", "1"), "2027年的节假日安排尚未录入"),
    ],
)
def test_deadline_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("deadline", *args, stdout=StringIO())


# --- API -----------------------------------------------------------------------------------------

URL = "/api/v1/calendar/deadline"


@pytest.fixture
def api():
    return APIClient()


def test_api_deadline_ok_without_login(api):
    response = api.get(URL, {"start": "2025-09-28", "workdays": "7"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "start": "2025-09-28",
        "workdays": 7,
        "deadline": "2025-10-14",
        "deadline_at": "2025-10-14T23:59:59+08:00",
    }


def test_api_deadline_holiday_start_and_zero(api):
    assert api.get(URL, {"start": "2025-10-01", "workdays": "1"}).json()["deadline"] == "2025-10-09"
    body = api.get(URL, {"start": "2025-10-01", "workdays": "0"}).json()
    assert body["deadline"] == "2025-10-01" and body["workdays"] == 0


def test_api_deadline_follows_hand_entered_year(api):
    _enter_2027()
    body = api.get(URL, {"start": "2027-02-12", "workdays": "6"}).json()
    assert body["deadline"] == "2027-02-20"


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"workdays": "7"}, {"start"}),
        ({"start": "2025-09-28"}, {"workdays"}),
        ({}, {"start", "workdays"}),
        ({"start": "2025-02-30", "workdays": "7"}, {"start"}),
        ({"start": "20250928", "workdays": "7"}, {"start"}),
        ({"start": "2025-09-28", "workdays": "-1"}, {"workdays"}),
        ({"start": "2025-09-28", "workdays": "1.5"}, {"workdays"}),
        ({"start": "2025-09-28", "workdays": "abc"}, {"workdays"}),
        ({"start": "2025-09-28", "workdays": "3651"}, {"workdays"}),
        ({"start": "bad", "workdays": "bad"}, {"start", "workdays"}),
    ],
)
def test_api_invalid_parameters(api, params, bad):
    response = api.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"]
    assert set(error["details"]) == bad
    assert all(isinstance(v, str) and v for v in error["details"].values())


def test_api_accepts_upper_bound_until_data_runs_out(api):
    response = api.get(URL, {"start": "2020-01-01", "workdays": "3650"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "calendar_not_covered"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"start": "2027-01-04", "workdays": "1"}, "start"),
        ({"start": "2026-12-31", "workdays": "1"}, "workdays"),
    ],
)
def test_api_calendar_not_covered(api, params, param):
    response = api.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "calendar_not_covered"
    assert "2027" in error["message"]
    assert set(error["details"]) == {param}
    assert "2027" in error["details"][param]


def test_api_schema_documents_parameters(api, django_user_model):
    api.force_authenticate(django_user_model.objects.create_user("schema", password="x"))
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/calendar/deadline"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert names["start"]["required"] and names["start"]["schema"]["format"] == "date"
    assert names["workdays"]["required"] and names["workdays"]["schema"]["type"] == "integer"
    assert {"200", "400"} <= set(operation["responses"])


# --- admin ---------------------------------------------------------------------------------------


def test_admin_changelist_filters_and_search(rf, admin_user):
    from django.contrib import admin
    from django.contrib.admin.utils import lookup_field

    from processes import calendar_admin

    _enter_2027()
    cases = [
        (calendar_admin.CalendarYearAdmin, CalendarYear, {"q": "2027"}, 1),
        (calendar_admin.CalendarYearAdmin, CalendarYear, {"q": "abc"}, 0),
        (calendar_admin.CalendarYearAdmin, CalendarYear, {"q": "国办发"}, 1),
        (calendar_admin.CalendarDayAdmin, CalendarDay, {"kind__exact": "workday"}, 2),
        (calendar_admin.CalendarDayAdmin, CalendarDay, {"q": "调休", "date__year": "2027"}, 2),
        (calendar_admin.CalendarDayAdmin, CalendarDay, {"date__year": "2027", "date__month": "2"}, 7),
    ]
    for admin_class, model, params, count in cases:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, admin_class)
        request = rf.get("/admin/", params)
        request.user = admin_user
        changelist = model_admin.get_changelist_instance(request)
        assert changelist.result_count == count, params
        for row in changelist.result_list:  # every list_display column can be computed
            for column in model_admin.list_display:
                lookup_field(column, row, model_admin)
    day_admin = admin.site._registry[CalendarDay]
    assert day_admin.weekday(CalendarDay.objects.get(date=D("2027-02-06"))) == "星期六"
    year_admin = admin.site._registry[CalendarYear]
    year = CalendarYear.objects.get(year=2027)
    assert (year_admin.holiday_count(year), year_admin.workday_count(year)) == (6, 2)
