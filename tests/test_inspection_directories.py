"""双随机 两库 and the 抽查事项清单: a department keeps only its own lists (404 for another's, 403 for
what it may only read), expired certificates and unavailable inspectors are not drawn, declared
conflicts count until withdrawn (kept), the 检查对象名录库 is the department's area filtered and
ordered by credit code, the list-confirmation reminder starts, escalates and is confirmed, and
every change leaves its audit row."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.errors import Forbidden
from casework.lifecycles.inspection import demo_data, directories, draw, selectors, tasks
from casework.lifecycles.inspection.models import (
    DirectoryRefresh,
    InspectionItem,
    Inspector,
    InspectorConflict,
    InspectorListConfirmation,
)
from casework.lifecycles.supervision.models import Escalation
from casework.organization.models import Department, Membership, Role
from processes import engine
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 2, 10, 0)  # Monday
TODAY = date(2026, 11, 2)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def item_values(**overrides) -> dict:
    values = {
        "code": "WJW-GG-01",
        "name": "公共场所卫生许可事项检查",
        "legal_basis": "《公共场所卫生管理条例》第四条",
        "method": "onsite",
        "subject_kinds": ["enterprise"],
        "checklist": "是否取得卫生许可证\n\n 从业人员健康证明 ",
    }
    values.update(overrides)
    return values


def put_on_list(users, username="officer_wj", code="WJW", valid_until=date(2028, 1, 1), **kwargs):
    return directories.add_inspector(
        department=dept(code),
        user=users[username],
        values={"certificate_number": f"执法-{username}", "certificate_valid_until": valid_until, **kwargs},
        actor=users["admin"],
    )


# --- 抽查事项清单 ------------------------------------------------------------------------------


def test_an_officer_keeps_the_item_list_of_their_department_with_audit_rows(users, client):
    client.force_login(users["officer_wj"])
    response = client.post(
        reverse("workbench:inspection-item-new") + "?department=WJW",
        {**item_values(subject_kinds=["enterprise", "individual"])},
    )
    assert response.status_code == 302
    item = InspectionItem.objects.get(department__code="WJW", code="WJW-GG-01")
    assert item.checklist == ["是否取得卫生许可证", "从业人员健康证明"]
    assert item.subject_kinds == ["enterprise", "individual"]
    page = client.get(reverse("workbench:inspection-items")).content.decode()
    assert "公共场所卫生许可事项检查" in page and "检查要点 2 条" in page

    response = client.post(
        reverse("workbench:inspection-item", args=[item.pk]), item_values(name="公共场所卫生检查")
    )
    assert response.status_code == 302
    client.post(reverse("workbench:inspection-item-active", args=[item.pk]), {"active": "0"})
    item.refresh_from_db()
    assert item.name == "公共场所卫生检查" and not item.active  # deactivated, kept
    assert actions()[-3:] == [
        "inspection_item_created",
        "inspection_item_updated",
        "inspection_item_deactivated",
    ]
    # a duplicate code is refused with the field named
    response = client.post(reverse("workbench:inspection-item-new") + "?department=WJW", item_values())
    assert response.status_code == 422 and "编码已被使用" in response.content.decode()


def test_another_departments_lists_are_not_found_and_read_only_posts_are_refused(users, client):
    item = directories.create_item(
        department=dept("SCJG"),
        values=item_values(code="SCJG-01", name="企业公示信息抽查"),
        actor=users["admin"],
    )
    inspector = put_on_list(users, "inspector", "SCJG")
    client.force_login(users["officer_jy"])  # 教育局
    assert client.get(reverse("workbench:inspection-items") + "?department=SCJG").status_code == 404
    assert client.get(reverse("workbench:inspection-item", args=[item.pk])).status_code == 404
    assert client.get(reverse("workbench:inspection-inspector", args=[inspector.pk])).status_code == 404
    assert (
        client.post(reverse("workbench:inspection-item-active", args=[item.pk]), {"active": "0"}).status_code
        == 404
    )
    assert "企业公示信息抽查" not in client.get(reverse("workbench:inspection-items")).content.decode()

    # the 市场监管 inspector reads their department's lists but does not keep them
    client.force_login(users["inspector"])
    page = client.get(reverse("workbench:inspection-items")).content.decode()
    assert "企业公示信息抽查" in page and "添加抽查事项" not in page
    assert client.get(reverse("workbench:inspection-item-new") + "?department=SCJG").status_code == 403
    assert client.post(reverse("workbench:inspection-item", args=[item.pk]), item_values()).status_code == 403
    assert (
        client.post(reverse("workbench:inspection-item-active", args=[item.pk]), {"active": "0"}).status_code
        == 403
    )
    item.refresh_from_db()
    assert item.active and item.name == "企业公示信息抽查"
    with pytest.raises(Forbidden):
        directories.set_availability(
            inspector=inspector, available=False, reason="休假", actor=users["inspector"]
        )

    # process admins see every department
    assert {d.code for d in selectors.managed_departments(users["admin"])} >= {"SCJG", "WJW", "JYJ"}
    client.force_login(users["admin"])
    assert client.get(reverse("workbench:inspection-items") + "?department=WJW").status_code == 200


# --- 执法检查人员名录库 --------------------------------------------------------------------------


def test_only_members_holding_an_inspector_or_officer_post_are_put_on_the_list(users, client):
    client.force_login(users["officer_wj"])
    form = client.get(reverse("workbench:inspection-inspector-new")).content.decode()
    assert "卫健委经办 李明" in form and "卫健委审核 孙丽" not in form  # reviewers are not inspectors
    response = client.post(
        reverse("workbench:inspection-inspector-new") + "?department=WJW",
        {
            "user": users["officer_wj2"].pk,
            "certificate_number": "川卫执字51080117",
            "certificate_valid_until": "2027-06-30",
            "specialities": "公共场所卫生\n医疗卫生",
        },
    )
    assert response.status_code == 302
    entry = Inspector.objects.get(user=users["officer_wj2"], department__code="WJW")
    assert entry.specialities == ["公共场所卫生", "医疗卫生"]
    with pytest.raises(directories.DirectoryRefused):
        put_on_list(users, "reviewer_wj", "WJW")
    with pytest.raises(directories.DirectoryRefused):
        put_on_list(users, "officer_wj2", "WJW")  # already there
    assert "inspector_added" in actions()


def test_expired_and_unavailable_inspectors_are_not_eligible_for_draws(users, client):
    valid = put_on_list(users, "officer_wj", valid_until=TODAY + timedelta(days=10))  # expiring: still drawn
    expired = put_on_list(users, "officer_wj2", valid_until=TODAY - timedelta(days=1))
    scjg = put_on_list(users, "inspector", "SCJG", valid_until=TODAY)  # valid through today
    eligible = selectors.eligible_inspectors([dept("WJW"), "SCJG"], TODAY)
    assert eligible == sorted(
        [draw.Inspector(valid.pk, "WJW"), draw.Inspector(scjg.pk, "SCJG")], key=lambda i: i.id
    )
    assert expired.pk not in {i.id for i in eligible}
    assert scjg.pk not in {i.id for i in selectors.eligible_inspectors(["SCJG"], TODAY + timedelta(days=1))}

    directories.set_availability(
        inspector=valid, available=False, reason="借调至省局", actor=users["officer_wj"]
    )
    assert selectors.eligible_inspectors(["WJW"], TODAY) == []
    directories.set_availability(inspector=valid, available=True, reason="", actor=users["officer_wj"])
    assert [i.id for i in selectors.eligible_inspectors(["WJW"], TODAY)] == [valid.pk]
    assert actions()[-2:] == ["inspector_unavailable", "inspector_available"]

    with time_machine.travel(NOW, tick=False):
        client.force_login(users["officer_wj"])
        page = client.get(reverse("workbench:inspection-inspectors")).content.decode()
    assert "已过期，不参与抽取" in page and "30 日内到期" in page
    assert "今日可参与抽取 <strong>1</strong> 人" in page


def test_declared_conflicts_count_until_withdrawn_and_the_row_stays(users, client):
    me = put_on_list(users, "inspector", "SCJG")
    other = put_on_list(users, "officer_wj", "WJW")
    code = make_credit_code("9", "1", "510802", "MA6D0G01")
    client.force_login(users["inspector"])  # declares for themself
    response = client.post(
        reverse("workbench:inspection-conflict-declare", args=[me.pk]),
        {"credit_code": code.lower(), "reason": "近亲属任该企业股东"},
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("workbench:inspection-conflict-declare", args=[me.pk]),
        {"credit_code": code[:-1] + ("0" if code[-1] != "0" else "1"), "reason": "同学"},
    )
    assert bad.status_code == 422 and "校验" in bad.content.decode()
    directories.declare_conflict(
        inspector=other, credit_code=code, reason="曾在该企业任职", actor=users["officer_wj"]
    )
    assert selectors.conflicts([me.pk, other.pk]) == {me.pk: {code}, other.pk: {code}}
    # not for someone else's entry
    with pytest.raises(Forbidden):
        directories.declare_conflict(inspector=other, credit_code=code, reason="x", actor=users["inspector"])

    conflict = InspectorConflict.objects.get(inspector=me)
    client.post(reverse("workbench:inspection-conflict-withdraw", args=[conflict.pk]))
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is not None and conflict.withdrawn_by == users["inspector"]
    assert selectors.conflicts([me.pk, other.pk]) == {other.pk: {code}}
    # declared again after withdrawal: a new row, the old one kept
    directories.declare_conflict(inspector=me, credit_code=code, reason="再次申报", actor=users["inspector"])
    assert InspectorConflict.objects.filter(inspector=me).count() == 2
    assert selectors.conflicts([me.pk]) == {me.pk: {code}}
    assert actions().count("inspector_conflict_declared") == 3
    assert "inspector_conflict_withdrawn" in actions()
    page = client.get(reverse("workbench:inspection-inspector", args=[me.pk])).content.decode()
    assert "已撤回" in page and "再次申报" in page


# --- 检查对象名录库 ----------------------------------------------------------------------------------


def enterprise(body, division, *, kind="enterprise", industry="H", risk="B", status="active", kind_code="1"):
    return Enterprise.objects.create(
        credit_code=make_credit_code("9", kind_code, division, body),
        name=f"主体{body}",
        kind=kind,
        division_code=division,
        industry=industry,
        risk_class=risk,
        status=status,
    )


@pytest.fixture
def population_rows(db):
    rows = [
        enterprise("MA6D9005", "510802", risk="A"),
        enterprise("MA6D9001", "510800", industry="F", risk="D"),
        enterprise("MA6D9003", "510811", kind="individual", kind_code="2", industry="H", risk="C"),
        enterprise("MA6D9002", "510812", industry="Q", risk="B", status="cancelled"),
        enterprise("MA6D9004", "510802", industry="", risk="C"),
        enterprise("MA6D9006", "510900", risk="A"),  # another city
        enterprise("MA6D9007", "430102", risk="A"),  # another province
    ]
    return {e.credit_code[8:16]: e for e in rows}


def codes(rows) -> list[str]:
    return [code for code, _ in rows]


def test_the_population_is_the_departments_area_filtered_and_ordered_by_credit_code(users, population_rows):
    e = population_rows
    wjw = dept("WJW")  # 广元市 (510800)
    everything = list(selectors.population({}, wjw))
    inside = [x for key, x in e.items() if key not in ("MA6D9006", "MA6D9007")]
    assert everything == sorted((x.credit_code, x.risk_class) for x in inside)
    assert codes(everything) == sorted(codes(everything))

    assert codes(selectors.population({"divisions": ["510802"]}, wjw)) == sorted(
        [e["MA6D9005"].credit_code, e["MA6D9004"].credit_code]
    )
    # an area outside the department's own adds nothing; one above it means all of it
    assert list(selectors.population({"divisions": ["510900"]}, wjw)) == []
    assert list(selectors.population({"divisions": ["510000"]}, wjw)) == everything
    assert codes(selectors.population({"kinds": ["individual"]}, wjw)) == [e["MA6D9003"].credit_code]
    assert codes(selectors.population({"industries": ["F", "Q"]}, wjw)) == sorted(
        [e["MA6D9001"].credit_code, e["MA6D9002"].credit_code]
    )
    assert codes(selectors.population({"risk_classes": ["C"], "statuses": ["active"]}, wjw)) == sorted(
        [e["MA6D9003"].credit_code, e["MA6D9004"].credit_code]
    )
    assert list(selectors.population({"statuses": ["cancelled"]}, wjw)) == [(e["MA6D9002"].credit_code, "B")]
    # a county department sees its county only
    county = dept("510811-SCJG")
    assert codes(selectors.population({}, county)) == [e["MA6D9003"].credit_code]
    with pytest.raises(ValueError):
        selectors.population({"names": ["x"]}, wjw)


def test_the_directory_page_counts_by_risk_class_and_industry(
    users, client, population_rows, django_assert_max_num_queries
):
    counts = selectors.directory_counts({"statuses": ["active"]}, dept("WJW"))
    assert counts["total"] == 4
    assert [(code, n) for code, _, n in counts["by_risk"]] == [("A", 1), ("B", 0), ("C", 2), ("D", 1)]
    assert {(code, n) for code, _, n in counts["by_industry"]} == {("H", 2), ("F", 1), ("", 1)}

    tasks.refresh_directories()
    row = DirectoryRefresh.objects.get(division_code="510800")
    assert row.total == 5 and row.by_risk == {"A": 1, "B": 1, "C": 2, "D": 1}
    assert "inspection_directory_refreshed" in actions()

    client.force_login(users["officer_wj"])
    with django_assert_max_num_queries(20):
        page = client.get(
            reverse("workbench:inspection-directory"), {"department": "WJW", "risk_classes": ["C"]}
        ).content.decode()
    assert 'data-testid="directory-total">2<' in page
    assert "名录库更新于" in page and "住宿和餐饮业" in page and "未标注行业" in page


# --- the reminder: bpmn/inspector_list_refresh.bpmn --------------------------------------------------


def open_task(department_code: str) -> HumanTask:
    return HumanTask.objects.get(
        instance__case_type=directories.REFRESH_PROCESS,
        candidate_department=department_code,
        state=HumanTask.State.OPEN,
    )


def test_the_reminder_starts_escalates_and_is_confirmed(users, client):
    put_on_list(users, "officer_wj", "WJW")
    with time_machine.travel(NOW, tick=False):
        assert tasks.start_inspector_list_reminders() == 1  # WJW only: JYJ keeps no inspectors
        assert tasks.start_inspector_list_reminders() == 0  # one open reminder at a time
    task = open_task("WJW")
    assert task.candidate_role == Role.OFFICER and task.name == "确认本部门执法检查人员名录库"
    assert task.due_at is not None and task.due_at.date() == date(2026, 11, 11)  # 7 working days
    assert "inspector_list_reminder_started" in actions()

    # ignored: escalated to 效能督办 when the clock runs out; the task stays with the department
    with time_machine.travel(local(2026, 11, 12, 9, 0), tick=False):
        engine.fire_due_timers()
    assert Escalation.objects.filter(human_task=task).exists()
    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN

    # the task page shows the list; an unticked confirmation is refused
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert "执法检查人员名录库" in page and "执法-officer_wj" in page
    with time_machine.travel(local(2026, 11, 12, 10, 0), tick=False):
        engine.claim_task(task_id=task.pk, user=users["officer_wj"])
        with pytest.raises(Exception, match="请先核对名录库"):
            engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"note": ""})
        engine.complete_task(
            task_id=task.pk, user=users["officer_wj"], data={"confirmed": "on", "note": "本期无人员变动"}
        )
    confirmation = InspectorListConfirmation.objects.get(department__code="WJW")
    assert confirmation.confirmed_by == users["officer_wj"] and confirmation.inspector_count == 1
    assert confirmation.note == "本期无人员变动"
    assert ProcessInstance.objects.get(pk=task.instance_id).status == ProcessInstance.Status.COMPLETED
    assert "inspector_list_confirmed" in actions()

    # the next one is due 7 working days after the confirmation (12 November → 23 November)
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        assert tasks.start_inspector_list_reminders() == 0
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        assert tasks.start_inspector_list_reminders() == 1


def test_the_refresh_clock_is_seeded_nationally_and_for_hunan(users):
    from casework.clocks.services import rule_in_force

    assert rule_in_force("inspectors.refresh", "510800", TODAY).days == 7
    hunan = rule_in_force("inspectors.refresh", "430102", TODAY)
    assert hunan.jurisdiction == "430000" and hunan.legal_basis == "湘商改〔2016〕7号 第八条"


def test_the_demo_seeds_the_lists_idempotently(users):
    first = demo_data.seed_directories()
    assert first > 0
    assert demo_data.seed_directories() == 0
    assert InspectionItem.objects.filter(department__code="SCJG", name="企业公示信息抽查").exists()
    assert InspectionItem.objects.filter(department__code="WJW").count() == 2
    assert {i.user.username for i in Inspector.objects.all()} == {"inspector", "officer_wj", "officer_wj2"}
    assert InspectorConflict.objects.filter(withdrawn_at__isnull=True).count() == 1
    assert Enterprise.objects.exclude(industry="").count() >= 12
    assert ProcessInstance.objects.filter(case_type=directories.REFRESH_PROCESS).count() == 2  # SCJG, WJW


def test_a_new_member_appears_among_the_candidates(users):
    newcomer = get_user_model().objects.create(username="inspector_wj", first_name="卫健委检查 钱进")
    Membership.objects.create(user=newcomer, department=dept("WJW"), role=Role.INSPECTOR)
    assert newcomer in selectors.candidate_users(dept("WJW"))
    directories.add_inspector(
        department=dept("WJW"),
        user=newcomer,
        values={"certificate_number": "川卫执字51080150", "certificate_valid_until": date(2029, 1, 1)},
        actor=users["officer_wj"],
    )
    assert newcomer not in selectors.candidate_users(dept("WJW"))


def test_beat_runs_the_reminders_and_the_directory_refresh_daily(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {tasks.start_inspector_list_reminders.name, tasks.refresh_directories.name} <= scheduled


# --- in the browser, on a phone ----------------------------------------------------------------------


def _no_sideways_scroll(page) -> None:
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"{page.url} scrolls sideways ({width} > {client})"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_and_an_inspector_keep_the_lists_on_a_phone(launch_chromium, live_server, users):
    from playwright.sync_api import expect

    from .browser_pages import _expect_message, _login

    demo_data.seed_directories()
    browser = launch_chromium()
    page = _login(browser, live_server, "officer_wj", next_path="/workbench/inspection/items/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_url(re.compile(r"/workbench/inspection/items/$"))
    _no_sideways_scroll(page)
    page.get_by_test_id("item-new").click()
    page.fill("#id_code", "WJW-XD-03")
    page.fill("#id_name", "消毒产品生产企业卫生许可事项检查")
    page.fill("#id_legal_basis", "《消毒管理办法》第二十条")
    page.get_by_label("企业").check()
    page.fill("#id_checklist", "卫生许可证是否有效\n生产条件是否符合规范")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="保存").click()
    _expect_message(page, "已添加抽查事项")
    expect(page.get_by_test_id("item-table")).to_contain_text("消毒产品生产企业卫生许可事项检查")

    page.get_by_role("link", name="执法检查人员名录库").first.click()
    expect(page.get_by_test_id("inspector-table")).to_contain_text("30 日内到期")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="卫健委经办 赵磊").click()
    page.fill("#unavailable-reason", "借调至省卫生健康委")
    page.get_by_role("button", name="标记为不可参与抽查").click()
    _expect_message(page, "已标记为不可参与抽查")
    expect(page.get_by_test_id("inspector-facts")).to_contain_text("借调至省卫生健康委")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="检查对象名录库").click()
    expect(page.get_by_test_id("directory-by-risk")).to_contain_text("D 类（高风险）")
    _no_sideways_scroll(page)

    # the 市场监管 inspector declares a conflict for themself and withdraws it
    phone = _login(browser, live_server, "inspector", next_path="/workbench/inspection/inspectors/")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.wait_for_url(re.compile(r"/workbench/inspection/inspectors/$"))
    expect(phone.get_by_test_id("inspector-new")).to_have_count(0)
    phone.get_by_role("link", name="检查人员 吴刚").click()
    phone.fill("#id_credit_code", make_credit_code("9", "1", "510802", "MA6D1001"))
    phone.fill("#id_reason", "表兄为该企业法定代表人")
    phone.get_by_role("button", name="申报回避").click()
    _expect_message(phone, "已申报回避")
    rows = phone.get_by_test_id("conflict-table")
    expect(rows).to_contain_text("表兄为该企业法定代表人")
    _no_sideways_scroll(phone)
    phone.get_by_role("button", name="撤回").click()
    _expect_message(phone, "已撤回回避申报")
    expect(rows).to_contain_text("已撤回")
    _no_sideways_scroll(phone)
    assert InspectionItem.objects.filter(code="WJW-XD-03", department__code="WJW").exists()
    assert not Inspector.objects.get(user__username="officer_wj2").available
    assert InspectorConflict.objects.filter(
        reason="表兄为该企业法定代表人", withdrawn_at__isnull=False
    ).exists()


def test_an_officer_put_on_the_list_gets_the_inspector_post_and_loses_eligibility_without_it(users):
    """Inspection tasks are offered to the department's inspector post: whoever is drawn must hold it."""
    listed = put_on_list(users, "officer_wj", valid_until=TODAY + timedelta(days=100))
    post = Membership.objects.filter(user=users["officer_wj"], department=dept("WJW"), role=Role.INSPECTOR)
    assert post.exists()
    assert [i.id for i in selectors.eligible_inspectors(["WJW"], TODAY)] == [listed.pk]
    post.delete()
    assert selectors.eligible_inspectors(["WJW"], TODAY) == []
