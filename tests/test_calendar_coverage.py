"""Warn early that the holiday table runs out: from 1 November next year's 国务院办公厅 notice must be
in; the current year's always. Supervisors and process admins see a banner and get one notice per
year; ``check --deploy``, ``manage.py calendar_coverage`` and ``GET /api/v1/calendar/status`` say so.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Notification
from processes.business_calendar import clear_calendar_cache
from processes.calendar_coverage import attention, notify
from processes.models import AuditEvent, CalendarYear
from processes.tasks import check_calendar_coverage

from .conftest import local

pytestmark = pytest.mark.django_db

IMPORT_PAGE = "/admin/processes/calendaryear/import/"


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """Rows made (and rolled back) by other tests must not linger in the year cache."""
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def on(*args):
    """Pin the clock to a Beijing-time day (the banner and the status read 'today')."""
    return time_machine.travel(local(*args, 9, 0), tick=False)


# --- the state ----------------------------------------------------------------------------


def test_next_year_needs_nothing_before_1_november():
    assert attention(date(2026, 10, 31)) == []


def test_next_year_uncovered_is_a_warning_from_1_november():
    (warning,) = attention(date(2026, 11, 1))
    assert (warning.year, warning.level, warning.code) == (2027, "warning", "next_year_not_covered")
    assert warning.title == "2027年节假日安排尚未导入"
    assert "导入国务院办公厅关于2027年部分节假日安排的通知" in warning.message
    assert attention(date(2026, 12, 31)) == [warning]


def test_a_calendar_year_row_for_next_year_ends_the_warning():
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕号")
    assert attention(date(2026, 11, 1)) == []
    assert attention(date(2026, 12, 31)) == []


def test_the_current_year_uncovered_is_always_an_error():
    (warning,) = attention(date(2027, 3, 15))
    assert (warning.year, warning.level, warning.code) == (2027, "error", "current_year_not_covered")
    assert "导入国务院办公厅关于2027年部分节假日安排的通知" in warning.message
    # From November both years need their notice, the current one first.
    assert [(w.year, w.level) for w in attention(date(2027, 11, 2))] == [(2027, "error"), (2028, "warning")]


def test_the_default_day_is_today_in_beijing():
    with time_machine.travel(local(2026, 11, 1, 0, 30), tick=False):  # still 31 October in UTC
        assert [w.year for w in attention()] == [2027]
    with time_machine.travel(local(2026, 10, 31, 23, 30), tick=False):
        assert attention() == []


# --- the banner ---------------------------------------------------------------------------


def _page(client, user):
    client.force_login(user)
    response = client.get(reverse("workbench:queue"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_supervisors_and_admins_see_the_banner_from_1_november(client, users, username):
    with on(2026, 11, 1):
        page = _page(client, users[username])
    assert 'data-testid="calendar-banner"' in page
    assert "2027年节假日安排尚未导入" in page
    assert "导入国务院办公厅关于2027年部分节假日安排的通知" in page


def test_only_the_admin_gets_the_link_to_the_import_page(client, users):
    with on(2026, 12, 3):
        admin_page = _page(client, users["admin"])
        supervisor_page = _page(client, users["supervisor"])
    assert f'href="{IMPORT_PAGE}"' in admin_page
    assert IMPORT_PAGE not in supervisor_page
    assert client.get(IMPORT_PAGE).status_code == 302  # the supervisor could not use it anyway


@pytest.mark.parametrize("username", ["officer_wj", "registrar", "reviewer_wj", "inspector"])
def test_nobody_else_sees_the_banner(client, users, username):
    with on(2026, 12, 3):
        page = _page(client, users[username])
    assert "calendar-banner" not in page
    assert "节假日安排尚未导入" not in page


def test_no_banner_before_1_november_or_once_the_year_is_imported(client, users):
    with on(2026, 10, 31):
        assert "calendar-banner" not in _page(client, users["supervisor"])
    CalendarYear.objects.create(year=2027)
    with on(2026, 12, 3):
        assert "calendar-banner" not in _page(client, users["supervisor"])
        assert "calendar-banner" not in _page(client, users["admin"])


def test_the_banner_is_on_other_workbench_pages_too(client, users):
    client.force_login(users["supervisor"])
    with on(2026, 12, 3):
        for name in ("workbench:mine", "workbench:done", "notifications:list"):
            assert "2027年节假日安排尚未导入" in client.get(reverse(name)).content.decode(), name


# --- notices ------------------------------------------------------------------------------


def _calendar_notices():
    return Notification.objects.filter(dedupe_key="calendar-not-covered-2027")


def test_supervisors_and_admins_are_told_once_per_year_however_often_it_runs(users):
    with on(2026, 11, 1):
        assert check_calendar_coverage.apply().get() == 2  # the daily beat task
    with on(2026, 11, 2):
        assert check_calendar_coverage.apply().get() == 0
        notify()

    notices = {n.recipient.username: n for n in _calendar_notices()}
    assert sorted(notices) == ["admin", "supervisor"]
    assert notices["admin"].link == IMPORT_PAGE
    assert notices["supervisor"].link == ""
    for notice in notices.values():
        assert notice.title == "2027年节假日安排尚未导入"
        assert "导入国务院办公厅关于2027年部分节假日安排的通知" in notice.body
    (event,) = AuditEvent.objects.filter(action="calendar_coverage_notified")
    assert event.payload == {
        "year": 2027,
        "code": "next_year_not_covered",
        "level": "warning",
        "recipients": ["admin", "supervisor"],
    }


def test_a_new_supervisor_is_told_on_the_next_run(users):
    from casework.organization.models import Department, Membership, Role

    with on(2026, 11, 1):
        notify()
    newcomer = type(users["admin"]).objects.create(username="supervisor2")
    Membership.objects.create(
        user=newcomer, department=Department.objects.get(code="XNDB"), role=Role.SUPERVISOR
    )
    with on(2026, 11, 2):
        ((_, told),) = notify()
    assert told == [newcomer]
    assert _calendar_notices().count() == 3
    assert AuditEvent.objects.filter(action="calendar_coverage_notified").count() == 2


def test_nobody_is_told_before_1_november_or_when_the_year_is_imported(users):
    with on(2026, 10, 31):
        assert notify() == []
    CalendarYear.objects.create(year=2027)
    with on(2026, 11, 1):
        assert notify() == []
    assert not Notification.objects.filter(dedupe_key__startswith="calendar-").exists()
    assert not AuditEvent.objects.filter(action="calendar_coverage_notified").exists()


def test_the_command_reports_notifies_and_exits_1_when_attention_is_needed(users):
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("calendar_coverage", "--today", "2026-12-03", stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert "2026年节假日安排：已覆盖" in text
    assert "2027年节假日安排：未导入" in text
    assert "导入国务院办公厅关于2027年部分节假日安排的通知" in text
    assert _calendar_notices().count() == 2

    out = StringIO()
    call_command("calendar_coverage", "--today", "2026-10-31", stdout=out)  # exit status 0
    assert "无需处理" in out.getvalue()


def test_the_command_dry_run_tells_nobody(users):
    with pytest.raises(SystemExit):
        call_command("calendar_coverage", "--today", "2026-12-03", "--dry-run", stdout=StringIO())
    assert not _calendar_notices().exists()


def test_the_beat_schedule_runs_the_check_daily(settings):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "processes.tasks.check_calendar_coverage"
    )
    assert entry["schedule"].hour == {8}  # a crontab: once a day


# --- health check and status endpoint -----------------------------------------------------


def _deploy_check_ids():
    return [m.id for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("processes.")]


def test_check_deploy_warns_when_next_year_is_missing():
    with on(2026, 12, 3):
        assert _deploy_check_ids() == ["processes.W002"]
        err = StringIO()
        call_command("check", "--deploy", stdout=StringIO(), stderr=err)
    assert "processes.W002" in err.getvalue()
    assert "2027年节假日安排尚未导入" in err.getvalue()


def test_check_deploy_is_quiet_before_november_and_once_imported():
    with on(2026, 10, 31):
        assert _deploy_check_ids() == []
    CalendarYear.objects.create(year=2027)
    with on(2026, 12, 3):
        assert _deploy_check_ids() == []
    with on(2028, 1, 2):
        assert _deploy_check_ids() == ["processes.W001"]  # the current year is missing


def test_check_without_deploy_stays_quiet():
    with on(2026, 12, 3):
        assert [m.id for m in checks.run_checks() if m.id.startswith("processes.")] == []


def test_status_endpoint_says_next_year_is_missing(db):
    with on(2026, 12, 3):
        response = APIClient().get("/api/v1/calendar/status")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    warning = body.pop("warnings")
    assert body == {
        "today": "2026-12-03",
        "current_year": 2026,
        "current_year_covered": True,
        "next_year": 2027,
        "next_year_covered": False,
        "warn_from": "2026-11-01",
    }
    assert [(w["year"], w["code"], w["level"]) for w in warning] == [
        (2027, "next_year_not_covered", "warning")
    ]
    assert "导入国务院办公厅关于2027年部分节假日安排的通知" in warning[0]["message"]


def test_status_endpoint_is_clear_once_imported_and_before_november(db):
    with on(2026, 10, 31):
        body = APIClient().get("/api/v1/calendar/status").json()
    assert (body["next_year_covered"], body["warnings"]) == (False, [])
    CalendarYear.objects.create(year=2027)
    with on(2026, 12, 3):
        body = APIClient().get("/api/v1/calendar/status").json()
    assert (body["next_year_covered"], body["warnings"]) == (True, [])


def test_status_endpoint_is_in_the_openapi_schema(db):
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)
    operation = schema["paths"]["/api/v1/calendar/status"]["get"]
    assert operation["operationId"] == "calendar_status"
    properties = schema["components"]["schemas"]["CalendarStatus"]["properties"]
    assert {"today", "current_year_covered", "next_year", "next_year_covered", "warnings"} <= set(properties)
