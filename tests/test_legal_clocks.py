"""Legal clocks are data: a timer names a rule, the case's area picks the jurisdiction's version in
force, the task shows the legal basis, a rule change reaches only new deadlines, a suspended clock
moves the deadline by the suspended working days, and a provisional 2027 deadline is counted again
when the year's notice is imported."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from casework.clocks import services as clocks
from casework.clocks.models import LegalClock
from processes import engine
from processes.deploy import deploy_bpmn
from processes.errors import DeployRejected
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import BPMN_DIR, deploy_test_bpmn, local

pytestmark = pytest.mark.django_db

MONDAY = local(2025, 11, 3, 10, 0)
HUNAN_AREA = "430102"  # 长沙市芙蓉区: 湖南省 rules
BAYINGOL_AREA = "652801"  # 库尔勒市: 巴音郭楞蒙古自治州 rules


@pytest.fixture
def collect_process(users):
    deploy_test_bpmn("clock_collect.bpmn")


def start(area: str, when=MONDAY) -> HumanTask:
    with time_machine.travel(when, tick=False):
        case = engine.start_process(key="clock_collect", title=f"归集 {area}", area_code=area)
    return HumanTask.objects.get(instance=case, bpmn_id="collect_info")


def test_a_hunan_and_a_bayingol_case_get_their_own_deadline_and_basis(collect_process):
    hunan, bayingol = start(HUNAN_AREA), start(BAYINGOL_AREA)
    assert hunan.due_at == local(2025, 11, 12, 23, 59, 59)  # 7 working days
    assert bayingol.due_at == local(2025, 12, 1, 23, 59, 59)  # 20 working days
    assert "湘商改〔2016〕7号 第五条" in hunan.due_basis and "湖南省" in hunan.due_basis
    assert "巴政办发〔2018〕3号" in bayingol.due_basis and "巴音郭楞" in bayingol.due_basis
    assert hunan.due_clock == bayingol.due_clock == "collect"
    # An area with no rule of its own gets the national default, with its basis.
    national = start("110101")
    assert national.due_at == bayingol.due_at
    assert "《企业信息公示暂行条例》" in national.due_basis and "全国" in national.due_basis


def test_the_nearest_jurisdiction_wins_over_the_province():
    # 广元市 (510800) has its own rule; a county inside it uses it, not the national default.
    assert clocks.rule_in_force("collect", "510802", date(2025, 11, 3)).jurisdiction == "510800"
    assert clocks.rule_in_force("collect", "510703", date(2025, 11, 3)).jurisdiction == ""  # 绵阳: none
    assert clocks.rule_in_force("collect", "430102", date(2025, 11, 3)).jurisdiction == "430000"


def test_a_rule_change_reaches_only_deadlines_set_after_it(collect_process, users):
    before = start(HUNAN_AREA)
    rule = LegalClock.objects.get(key="collect", jurisdiction="430000")
    with time_machine.travel(local(2025, 11, 4, 9, 0), tick=False):
        revised = clocks.revise_rule(
            rule,
            actor=users["admin"],
            days=10,
            legal_basis="湘商改〔2025〕1号 第三条",
            valid_from=date(2025, 11, 5),
            change_reason="省里修订归集时限",
        )
    rule.refresh_from_db()
    assert rule.valid_to == date(2025, 11, 4) and revised.supersedes == rule
    on_the_4th = start(HUNAN_AREA, local(2025, 11, 4, 10, 0))
    after = start(HUNAN_AREA, local(2025, 11, 5, 10, 0))
    before.refresh_from_db()
    assert before.due_at == local(2025, 11, 12, 23, 59, 59)  # the running deadline is untouched
    assert on_the_4th.due_at == local(2025, 11, 13, 23, 59, 59)  # still 7: the revision starts on the 5th
    assert after.due_at == local(2025, 11, 19, 23, 59, 59)  # 10 working days after the 5th
    assert "湘商改〔2025〕1号 第三条" in after.due_basis
    event = AuditEvent.objects.get(action="legal_clock_revised")
    assert event.payload["before"]["days"] == 7 and event.payload["after"]["days"] == 10
    assert event.actor == users["admin"]


def test_a_revision_cannot_reach_back_before_today(users):
    rule = LegalClock.objects.get(key="collect", jurisdiction="430000")
    with pytest.raises(clocks.DomainError, match="今天或以后"):
        clocks.revise_rule(
            rule,
            actor=users["admin"],
            days=9,
            legal_basis="x",
            valid_from=date(2020, 1, 1),
            change_reason="y",
        )
    assert LegalClock.objects.filter(key="collect", jurisdiction="430000").count() == 1


def test_suspension_extends_the_deadline_by_the_suspended_working_days(collect_process, users):
    task = start(HUNAN_AREA)  # due Wed 2025-11-12
    supervisor = users["supervisor"]
    with time_machine.travel(local(2025, 11, 5, 9, 0), tick=False):  # Wednesday
        clocks.suspend_clock(instance_id=task.instance_id, reason="等待企业补正材料", actor=supervisor)
    # While suspended the deadline passes, yet nothing fires.
    with time_machine.travel(local(2025, 11, 13, 9, 0), tick=False):
        assert engine.fire_due_timers() == 0
    with time_machine.travel(local(2025, 11, 14, 9, 0), tick=False):  # Friday: Thu 6 … Fri 14 = 7 days
        pause = clocks.resume_clock(instance_id=task.instance_id, actor=supervisor)
    assert pause.days == 7
    task.refresh_from_db()
    assert task.due_at == local(2025, 11, 21, 23, 59, 59)  # 12th + 7 working days
    case = ProcessInstance.objects.get(pk=task.instance_id)
    assert case.next_timer_at == task.due_at and case.clock_paused_at is None
    actions = list(AuditEvent.objects.filter(instance=case).values_list("action", flat=True))
    assert {"clock_paused", "clock_resumed", "task_deadline_changed"} <= set(actions)


def test_only_supervisors_and_admins_may_suspend_and_a_reason_is_required(collect_process, users):
    task = start(HUNAN_AREA)
    with pytest.raises(clocks.Forbidden):
        clocks.suspend_clock(instance_id=task.instance_id, reason="x", actor=users["officer_wj"])
    with pytest.raises(Exception, match="中止计时的原因"):
        clocks.suspend_clock(instance_id=task.instance_id, reason="  ", actor=users["admin"])
    assert not AuditEvent.objects.filter(action="clock_paused").exists()


# SYNTHETIC — NOT A REAL NOTICE: a 2027 arrangement whose 元旦 runs to Monday 4 January, only to
# show the deadline moving when the real table differs from the provisional count.
SYNTHETIC_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至4日（周一）放假，共4天。
"""


def test_a_provisional_2027_deadline_is_recomputed_when_the_notice_is_imported(
    collect_process, users, tmp_path
):
    task = start(BAYINGOL_AREA, local(2026, 12, 15, 10, 0))
    # Dec 16-31: 12 working days; 2027 (provisional: 1 Jan off): Jan 4-8, 11-13 → 20.
    assert task.due_at == local(2027, 1, 13, 23, 59, 59)
    assert task.due_provisional
    assert ProcessInstance.objects.get(pk=task.instance_id).provisional_deadlines

    notice = tmp_path / "2027.txt"
    notice.write_text(SYNTHETIC_2027, encoding="utf-8")
    out = StringIO()
    call_command("calendar_import", str(notice), "--year", "2027", stdout=out)
    assert "重算暂定时限 1 件案件" in out.getvalue()

    task.refresh_from_db()
    assert task.due_at == local(2027, 1, 14, 23, 59, 59)  # 4 January is now a day off
    assert not task.due_provisional
    case = ProcessInstance.objects.get(pk=task.instance_id)
    assert not case.provisional_deadlines and case.next_timer_at == task.due_at
    moved = AuditEvent.objects.get(action="provisional_deadlines_recomputed", instance=case)
    assert moved.payload["moved"][0]["after"].startswith("2027-01-14")


def test_a_provisional_deadline_never_becomes_an_incident(users):
    # The 双告知 claim timer set in mid-December runs into 2027 without an error.
    from casework.directory.credit_code import make_credit_code
    from casework.lifecycles.registration_push.services import SYSTEM, receive_registration

    with time_machine.travel(local(2026, 12, 28, 10, 0), tick=False):
        registration, _ = receive_registration(
            event_id="E-clock-1",
            credit_code=make_credit_code("9", "1", "510800", "MA6DCL01"),
            name="广元市某培训学校",
            business_scope="文化教育培训（不含学历教育）",
            authority_code="SCJG",
            registered_on=date(2026, 12, 28),
            actor=SYSTEM,
        )
    case = registration.instance
    assert case.status == ProcessInstance.Status.RUNNING and not case.incidents.exists()
    claim = HumanTask.objects.get(instance=case, bpmn_id="claim_or_return")
    assert claim.due_provisional and claim.due_at.date() >= date(2027, 1, 1)
    assert claim.due_clock == "push.claim" and "认领或退回：5个工作日" in claim.due_basis


def test_deploying_an_unknown_clock_is_refused_naming_the_element(users):
    xml = (BPMN_DIR / "clock_collect.bpmn").read_text(encoding="utf-8")
    with pytest.raises(DeployRejected) as refused:
        deploy_bpmn(xml=xml.replace('clock("collect")', 'clock("collect.typo")'), source_name="x.bpmn")
    text = str(refused.value.details)
    assert "collect_overdue" in text and "collect.typo" in text
    with pytest.raises(DeployRejected, match="clock"):
        deploy_bpmn(xml=xml.replace('clock("collect")', "clock(key)"), source_name="x.bpmn")


def test_the_task_page_inbox_and_api_show_the_legal_basis(collect_process, users, client):
    task = start(HUNAN_AREA, local(2026, 11, 2, 10, 0))
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert 'data-testid="due-basis"' in page and "湘商改〔2016〕7号 第五条" in page
    queue = client.get(reverse("workbench:queue")).content.decode()
    assert "湘商改〔2016〕7号 第五条" in queue
    payload = client.get("/api/v1/tasks/?list=queue").json()
    row = next(r for r in payload["results"] if r["id"] == task.pk)
    assert row["due_clock"] == "collect" and "湘商改〔2016〕7号" in row["due_basis"]
    assert row["due_provisional"] is False


def test_a_supervisor_suspends_and_resumes_from_the_task_page(collect_process, users, client):
    task = start(HUNAN_AREA, local(2026, 11, 2, 10, 0))
    client.force_login(users["admin"])
    page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert 'data-testid="clock-pause"' in page
    client.post(reverse("workbench:clock-pause", args=[task.pk]), {"pause_reason": "依法中止调查"})
    page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert "已中止" in page and "依法中止调查" in page and 'data-testid="clock-resume"' in page
    client.post(reverse("workbench:clock-resume", args=[task.pk]))
    assert ProcessInstance.objects.get(pk=task.instance_id).clock_paused_at is None
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert 'data-testid="clock-pause"' not in page  # an officer sees the basis, not the controls
    response = client.post(reverse("workbench:clock-pause", args=[task.pk]), {"pause_reason": "x"})
    assert response.status_code == 302
    assert ProcessInstance.objects.get(pk=task.instance_id).clock_paused_at is None


def test_a_clock_resumed_while_the_case_is_suspended_still_moves_the_deadline(collect_process, users):
    task = start(HUNAN_AREA)  # due Wed 2025-11-12
    admin = users["admin"]
    with time_machine.travel(local(2025, 11, 5, 9, 0), tick=False):
        clocks.suspend_clock(instance_id=task.instance_id, reason="依法中止", actor=admin)
        engine.suspend_instance(instance_id=task.instance_id, actor=admin, reason="挂起核查")
    with time_machine.travel(local(2025, 11, 7, 9, 0), tick=False):  # Thu 6, Fri 7 = 2 working days
        assert clocks.resume_clock(instance_id=task.instance_id, actor=admin).days == 2
    task.refresh_from_db()
    assert task.due_at == local(2025, 11, 14, 23, 59, 59)
    assert ProcessInstance.objects.get(pk=task.instance_id).status == ProcessInstance.Status.SUSPENDED
