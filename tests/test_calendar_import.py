"""Reading the 国务院办公厅 holiday notice (processes.calendar_notice) and ``manage.py calendar_import``.

The fixtures tests/data/notice_2024.txt, notice_2025.txt and notice_2026.txt are the official notice
texts; each is checked day by day against chinese_calendar's data for its year, so a wrong fixture
fails here (fix the text, never the comparison).
"""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import chinese_calendar
import pytest
from chinese_calendar import constants as cc_data
from django.core.management import CommandError, call_command

from processes.business_calendar import CalendarNotCovered, add_workdays, clear_calendar_cache, is_workday
from processes.calendar_notice import NoticeError, parse_notice
from processes.models import AuditEvent, CalendarDay, CalendarYear

DATA = Path(__file__).parent / "data"
D = date.fromisoformat

# SYNTHETIC — NOT A REAL NOTICE. A 2027 arrangement written in the official form only to exercise the
# import; its dates are invented (the real 2027 notice must be imported from the State Council text).
SYNTHETIC_2027 = """国务院办公厅关于2027年部分节假日安排的通知
（测试用虚构文本，并非真实通知）

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。
　　二、春节：2月5日（周五）至13日（周六）放假调休，共9天。2月20日（周六）上班。
　　三、清明节：4月3日（周六）至5日（周一）放假，共3天。
　　四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
　　五、端午节：6月9日（周三）放假1天，不调休。
　　六、中秋节：9月15日（周三）放假1天，不调休。
　　七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。

国务院办公厅
"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def _days(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


def _notice_text(year: int) -> str:
    return (DATA / f"notice_{year}.txt").read_text(encoding="utf-8")


# --- the real notices agree with chinese_calendar -------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_real_notice_agrees_with_chinese_calendar_every_day(year):
    notice = parse_notice(_notice_text(year))
    assert notice.year == year
    assert "部分节假日安排的通知" in notice.title

    # Every day of the year: the notice's rule (Mon-Fri, minus days off, plus 调休 days) is the package's.
    wrong = [d for d in _days(year) if notice.is_workday(d) != chinese_calendar.is_workday(d)]
    assert wrong == []

    # The holiday days are exactly the package's listed holidays of that year (weekends inside the
    # 放假 ranges included, ordinary weekends outside them not), and the 上班 days its 调休 days.
    assert sorted(notice.holidays) == sorted(d for d in cc_data.holidays if d.year == year)
    assert sorted(notice.workdays) == sorted(d for d in cc_data.workdays if d.year == year)
    assert all(d.weekday() >= 5 for d in notice.workdays)


def test_names_and_forms_of_the_real_notices():
    n2024 = parse_notice(_notice_text(2024))
    assert n2024.title == "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）"
    # "1月1日放假，与周末连休": one day off, the weekend before it is not part of the range.
    assert n2024.holidays_by_name()["元旦"] == [D("2024-01-01")]
    assert n2024.workdays_by_name()["春节"] == [D("2024-02-04"), D("2024-02-18")]
    # "安排职工在除夕（2月9日）休息" is encouragement, not a day off: the date in parentheses is skipped.
    assert D("2024-02-09") not in n2024.holidays

    n2025 = parse_notice(_notice_text(2025))
    days = n2025.holidays_by_name()
    assert days["国庆节、中秋节"] == [D("2025-10-01") + timedelta(days=i) for i in range(8)]
    assert days["端午节"] == [D("2025-05-31"), D("2025-06-01"), D("2025-06-02")]  # across months
    assert days["春节"][0] == D("2025-01-28") and days["春节"][-1] == D("2025-02-04")

    n2026 = parse_notice(_notice_text(2026))
    assert n2026.holidays_by_name()["春节"] == [D("2026-02-15") + timedelta(days=i) for i in range(9)]
    assert n2026.workdays[D("2026-01-04")] == "元旦"


def test_official_wording_variants():
    # 星期 instead of 周, lunar notes, a line without the numbering, and a range across the year end
    # (the real 2023 notice: "元旦：2022年12月31日至2023年1月2日放假调休，共3天。").
    text = (
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
        "二、春节：1月21日（农历除夕、星期六）至27日（农历正月初六、星期五）放假调休，共7天。"
        "1月28日（星期六）、1月29日（星期日）上班。\n"
        "劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。\n"
    )
    notice = parse_notice(text)
    assert notice.holidays_by_name()["元旦"] == [D("2022-12-31"), D("2023-01-01"), D("2023-01-02")]
    assert notice.holidays_by_name()["劳动节"][0] == D("2023-04-29")
    assert notice.holidays_by_name()["劳动节"][-1] == D("2023-05-03")
    for d in notice.holidays:
        assert not chinese_calendar.is_workday(d), d
    for d in notice.workdays:
        assert chinese_calendar.is_workday(d) and d.weekday() >= 5, d


# --- refusals ------------------------------------------------------------------------------------

HEAD = "国务院办公厅关于2026年部分节假日安排的通知\n"


@pytest.mark.parametrize(
    ("text", "message", "sentence"),
    [
        ("一、元旦：1月1日至3日放假调休，共3天。\n", "找不到年份", None),
        (HEAD + "经国务院批准，现将安排通知如下。\n", "找不到节假日安排", None),
        (
            HEAD + "一、春节：2月30日至3月2日放假调休，共3天。\n",
            "日期不存在（2026年2月30日）",
            "2月30日至3月2日放假调休",
        ),
        (
            HEAD + "一、元旦：1月1日至3日放假调休，共3天。1月5日（周一）上班。\n",
            "不是调休上班日",
            "1月5日（周一）上班",
        ),
        (
            HEAD + "一、元旦：1月1日至3日放假调休，共4天。\n",
            "天数不符：通知写共4天，日期区间实为3天",
            "共4天",
        ),
        (
            HEAD + "一、元旦：1月1日（周五）至3日放假调休，共3天。\n",
            "2026年1月1日是星期四，通知写的是星期五",
            "1月1日（周五）",
        ),
        (HEAD + "一、元宵节：2月15日放假。\n", "无法识别的节日名称“元宵节”", "元宵节：2月15日放假"),
        (
            HEAD + "一、元旦：1月1日至3日放假调休，共3天。1月4日（周日）值班。\n",
            "无法识别的句子",
            "1月4日（周日）值班",
        ),
        (
            HEAD + "一、元旦：1月1日至3日放假，共3天。\n二、春节：1月3日至4日放假，共2天。\n",
            "1月3日在通知中重复出现",
            "1月3日至4日放假",
        ),
    ],
)
def test_unreadable_text_is_refused_naming_the_sentence(text, message, sentence):
    with pytest.raises(NoticeError) as exc:
        parse_notice(text)
    assert message in str(exc.value)
    if sentence is not None:
        assert sentence in str(exc.value)


# --- manage.py calendar_import -------------------------------------------------------------------


def _write(tmp_path, text: str, name: str = "notice.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_import_2026_makes_the_table_give_chinese_calendars_deadlines(tmp_path):
    out = StringIO()
    call_command("calendar_import", str(DATA / "notice_2026.txt"), "--year", "2026", stdout=out)
    printed = out.getvalue()
    assert "春节：放假 9 天（2月15日至2月23日）；调休上班 2月14日（星期六）、2月28日（星期六）" in printed
    assert "合计：放假 33 天，调休上班 6 天" in printed

    year = CalendarYear.objects.get(year=2026)
    assert year.source == "国务院办公厅关于2026年部分节假日安排的通知"
    assert year.source_text == _notice_text(2026)
    assert CalendarDay.objects.filter(date__year=2026, kind="holiday").count() == 33
    assert CalendarDay.objects.filter(date__year=2026, kind="workday").count() == 6
    assert CalendarDay.objects.get(date=D("2026-10-01")).name == "国庆节"

    event = AuditEvent.objects.get(action="calendar_imported")
    assert event.payload["year"] == 2026
    assert event.payload["holidays"] == 33 and event.payload["workdays"] == 6

    # The CalendarYear row makes the table decide 2026; it must count exactly as chinese_calendar does.
    def reference(start: date, n: int) -> date:
        day = start
        while n:
            day += timedelta(days=1)
            n -= chinese_calendar.is_workday(day)
        return day

    for start in _days(2026):
        if start > D("2026-11-15"):
            break
        for n in (1, 3, 5, 7, 15, 20):
            assert add_workdays(start, n) == reference(start, n), (start, n)


@pytest.mark.django_db
def test_importing_2027_lets_december_deadlines_run_into_2027(tmp_path):
    with pytest.raises(CalendarNotCovered):
        add_workdays(D("2026-12-15"), 20)

    call_command(
        "calendar_import", str(_write(tmp_path, SYNTHETIC_2027)), "--year", "2027", stdout=StringIO()
    )

    # Dec 16-18 (3), 21-25 (8), 28-31 (12); 2027: 1-3 off, Jan 4-8 (17), 11-13 (20).
    assert add_workdays(D("2026-12-15"), 20) == D("2027-01-13")
    assert not is_workday(D("2027-02-08"))  # Monday inside 春节
    assert is_workday(D("2027-02-20"))  # Saturday 调休
    assert not is_workday(D("2027-01-09"))  # ordinary Saturday: Monday-Friday rule
    assert CalendarYear.objects.get(year=2027).source_text == SYNTHETIC_2027


@pytest.mark.django_db
def test_reimport_replaces_the_years_rows(tmp_path):
    CalendarYear.objects.create(year=2027, source="手工录入")
    CalendarDay.objects.create(date=D("2027-03-03"), kind="holiday", name="误录")
    CalendarDay.objects.create(date=D("2026-12-31"), kind="holiday", name="另一年的行")
    call_command(
        "calendar_import", str(_write(tmp_path, SYNTHETIC_2027)), "--year", "2027", stdout=StringIO()
    )
    assert not CalendarDay.objects.filter(date=D("2027-03-03")).exists()
    assert CalendarDay.objects.filter(date=D("2026-12-31")).exists()  # other years untouched
    assert CalendarYear.objects.get(year=2027).source.startswith("国务院办公厅关于2027年")
    assert CalendarDay.objects.filter(date__year=2027).count() == 29 + 5


@pytest.mark.django_db
def test_dry_run_saves_nothing_and_json_has_the_documented_shape(tmp_path):
    out_json = tmp_path / "out.json"
    out = StringIO()
    call_command(
        "calendar_import",
        str(DATA / "notice_2025.txt"),
        "--year",
        "2025",
        "--dry-run",
        "--json",
        str(out_json),
        stdout=out,
    )
    assert "未保存" in out.getvalue()
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar_imported").exists()

    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(data) == {"year", "holidays", "workdays"}
    assert data["year"] == 2025
    assert data["holidays"] == sorted(d.isoformat() for d in cc_data.holidays if d.year == 2025)
    assert data["workdays"] == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    assert "2025-05-31" in data["holidays"]  # the Saturday inside 端午节's range


@pytest.mark.django_db
def test_command_refuses_year_mismatch_and_bad_text(tmp_path):
    with pytest.raises(CommandError, match="年份不符：--year 为 2027，通知是 2026 年的安排"):
        call_command("calendar_import", str(DATA / "notice_2026.txt"), "--year", "2027", stdout=StringIO())
    bad = _write(tmp_path, HEAD + "一、元旦：1月1日至3日放假调休，共4天。\n")
    with pytest.raises(CommandError, match="天数不符.*1月1日至3日放假调休，共4天"):
        call_command("calendar_import", str(bad), "--year", "2026", stdout=StringIO())
    with pytest.raises(CommandError, match="年份无效"):
        call_command("calendar_import", str(bad), "--year", "26", stdout=StringIO())
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()


# --- admin import page ---------------------------------------------------------------------------

IMPORT_URL = "/admin/processes/calendaryear/import/"


@pytest.mark.django_db
def test_admin_import_previews_twelve_months_then_saves_with_source_text(admin_client, admin_user):
    listing = admin_client.get("/admin/processes/calendaryear/")
    assert IMPORT_URL in listing.content.decode() and "导入国务院办公厅通知" in listing.content.decode()

    assert admin_client.get(IMPORT_URL).status_code == 200
    text = _notice_text(2026)
    page = admin_client.post(IMPORT_URL, {"text": text, "preview": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert not CalendarYear.objects.exists()  # a preview saves nothing
    for month in range(1, 13):
        assert f"2026年{month}月" in html
    assert html.count('<td class="holiday"') == 33
    assert html.count('<td class="workday"') == 6
    assert 'class="holiday" data-date="2026-02-16" title="春节"' in html
    assert 'class="workday" data-date="2026-02-28" title="春节调休上班"' in html
    assert "确认保存 2026 年安排" in html

    # Browsers submit CRLF line ends; the previewed copy comes back in the hidden field.
    posted = text.replace("\n", "\r\n")
    saved = admin_client.post(IMPORT_URL, {"text": posted, "previewed": posted, "confirm": "1"})
    assert saved.status_code == 302 and saved["Location"] == "/admin/processes/calendaryear/"
    year = CalendarYear.objects.get(year=2026)
    assert year.source_text == text.strip()
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    event = AuditEvent.objects.get(action="calendar_imported")
    assert event.actor == admin_user and event.payload["holidays"] == 33


@pytest.mark.django_db
def test_admin_import_refuses_bad_text_and_text_changed_after_preview(admin_client):
    bad = HEAD + "一、元旦：1月1日至3日放假调休，共3天。1月5日（周一）上班。\n"
    page = admin_client.post(IMPORT_URL, {"text": bad, "previewed": bad, "confirm": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "1月5日是星期一，本来就上班，不是调休上班日" in html and "1月5日（周一）上班" in html
    assert 'name="confirm"' not in html

    changed = admin_client.post(
        IMPORT_URL, {"text": SYNTHETIC_2027, "previewed": _notice_text(2026), "confirm": "1"}
    )
    assert changed.status_code == 200
    assert "预览后有改动" in changed.content.decode()
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_admin_import_needs_the_calendar_permissions(client, django_user_model):
    staff = django_user_model.objects.create_user("staff_only", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert (
        client.post(
            IMPORT_URL, {"text": SYNTHETIC_2027, "previewed": SYNTHETIC_2027, "confirm": "1"}
        ).status_code
        == 403
    )
    assert not CalendarYear.objects.exists()
