"""双告知 lifecycle: registration → routed pushes → claim/return → re-push → permit feedback."""

from datetime import date

import pytest
import time_machine

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.directory.services import InvalidEnterprise
from casework.lifecycles.registration_push.intake import DuplicateEvent, InvalidRegistration
from casework.lifecycles.registration_push.models import PermitFeedback, Registration
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.lifecycles.supervision.models import Escalation
from casework.workbench import selectors
from processes import engine
from processes.errors import InvalidTaskData, TaskNotOpen
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

SCOPE = "餐饮服务；预包装食品销售；文化教育培训（不含学历教育）；会议服务"
PUSHED_AT = local(2025, 11, 3, 10, 0)  # Monday


def push(event_id="E1", scope=SCOPE, code=None, authority="SCJG", **extra):
    code = code or make_credit_code("9", "1", "510800", "MA6C0001")
    return receive_registration(
        event_id=event_id,
        credit_code=code,
        name="广元市某餐饮文化有限公司",
        business_scope=scope,
        authority_code=authority,
        registered_on=date(2025, 11, 3),
        **extra,
        actor=SYSTEM,
    )


def do(task: HumanTask, user, data: dict):
    engine.claim_task(task_id=task.pk, user=user)
    return engine.complete_task(task_id=task.pk, user=user, data=data)


def open_task(**filters) -> HumanTask:
    return HumanTask.objects.get(state=HumanTask.State.OPEN, case_type="registration_push", **filters)


def test_registration_is_pushed_to_each_matched_department_with_a_deadline(users):
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, created = push()

    assert created and registration.enterprise.name == "广元市某餐饮文化有限公司"
    tasks = HumanTask.objects.filter(instance=registration.instance).order_by("candidate_department")
    assert [(t.bpmn_id, t.candidate_department) for t in tasks] == [
        ("claim_or_return", "510800-SP"),
        ("claim_or_return", "JYJ"),
    ]
    assert {t.due_at for t in tasks} == {local(2025, 11, 10, 23, 59, 59)}  # 5 working days
    assert {t["department"] for t in registration.routing["targets"]} == {"510800-SP", "JYJ"}
    assert "餐饮服务" in {h["keyword"] for h in registration.routing["hits"]}


def test_claim_feedback_return_repush_and_escalation(users, officer):
    sp, supervisor = officer("510800-SP"), users["supervisor"]
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push()
        case = registration.instance

        # 食药 claims and feeds back a granted permit.
        do(open_task(instance=case, candidate_department="510800-SP"), sp, {"claim_decision": "claim"})
        do(
            open_task(instance=case, bpmn_id="permit_feedback"),
            sp,
            {
                "permit_decision": "granted",
                "decision_date": "2025-11-03",
                "permit_number": "JY15108020001",
                "permit_name": "食品经营许可证",
                "valid_from": "2025-11-03",
                "valid_to": "2030-11-02",
                "permit_authority": "广元市食品药品监督管理局",
                "permit_content": "预包装食品销售、热食类食品制售",
            },
        )

        # 教育 returns it: the registrar confirms 卫健 instead.
        with pytest.raises(InvalidTaskData, match="退回须填写理由"):
            do(
                open_task(instance=case, candidate_department="JYJ"),
                users["officer_jy"],
                {"claim_decision": "return"},
            )
        engine.complete_task(
            task_id=open_task(instance=case, candidate_department="JYJ").pk,
            user=users["officer_jy"],
            data={"claim_decision": "return", "return_reason": "会议服务不属教育审批，应由卫健核查"},
        )
        confirm = open_task(instance=case, bpmn_id="confirm_department")
        assert confirm.candidate_department == "SCJG" and confirm.candidate_role == "registrar"
        assert [t.pk for t in selectors.department_queue(users["registrar"])] == [confirm.pk]
        do(confirm, users["registrar"], {"department": "WJW"})

    repushed = open_task(instance=case, candidate_department="WJW")
    assert repushed.bpmn_id == "claim_or_return"
    feedback = PermitFeedback.objects.get(registration=registration)
    assert (feedback.department_code, feedback.decision, feedback.is_late) == ("510800-SP", "granted", False)
    assert feedback.valid_to == date(2030, 11, 2)
    (returned,) = registration.returns.all()
    assert (returned.department_code, returned.repushed_to) == ("JYJ", "WJW")

    # 卫健 lets its claim deadline pass: the supervisor gets the escalation.
    with time_machine.travel(local(2025, 11, 11, 9, 0), tick=False):
        engine.fire_due_timers()
    escalation = Escalation.objects.get(human_task=repushed)
    assert escalation.department_code == "WJW"
    assert [t.case_type for t in selectors.department_queue(supervisor)] == ["efficiency_supervision"]
    assert ProcessInstance.objects.get(pk=case.pk).status == ProcessInstance.Status.RUNNING


def test_same_event_twice_makes_one_case(users):
    first, created = push(event_id="E-dup")
    again, created_again = push(event_id="E-dup")
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(DuplicateEvent):  # the same event id with other content is a conflict
        push(event_id="E-dup", scope="完全不同的经营范围")
    assert Registration.objects.count() == 1
    assert ProcessInstance.objects.filter(case_type="registration_push").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"code": "91510800MA6C0O01"}, InvalidEnterprise, "credit_code"),
        ({"scope": "  "}, InvalidRegistration, "business_scope"),
        ({"authority": "NOPE"}, InvalidRegistration, "registration_authority"),
        ({"division_code": "999999"}, InvalidRegistration, "division_code"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_saved(users, kwargs, error, field):
    with pytest.raises(error) as err:
        push(event_id="E-bad", **kwargs)
    assert field in err.value.details
    assert not Registration.objects.exists() and not Enterprise.objects.exists()
    assert not ProcessInstance.objects.filter(case_type="registration_push").exists()


def test_unmatched_registration_goes_to_the_claim_pool_and_first_claim_wins(users):
    registration, _ = push(event_id="E-pool", scope="软件开发；信息技术咨询服务")
    pool_task = open_task(instance=registration.instance)
    assert (pool_task.bpmn_id, pool_task.candidate_department) == ("claim_from_pool", "POOL-510800")
    assert pool_task in selectors.department_queue(users["officer_jy"])
    assert pool_task in selectors.department_queue(users["officer_wj"])
    assert pool_task not in selectors.department_queue(users["registrar"])

    do(pool_task, users["officer_jy"], {})
    with pytest.raises(TaskNotOpen):
        engine.claim_task(task_id=pool_task.pk, user=users["officer_wj"])
    feedback_task = open_task(instance=registration.instance)
    assert (feedback_task.bpmn_id, feedback_task.candidate_department) == ("pool_permit_feedback", "JYJ")


def test_feedback_later_than_seven_working_days_after_the_decision_is_flagged(users, officer):
    sp = officer("510800-SP")
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push(event_id="E-late", scope="餐饮服务")
        do(open_task(instance=registration.instance), sp, {"claim_decision": "claim"})
    with time_machine.travel(local(2025, 11, 20, 10, 0), tick=False):
        do(
            open_task(instance=registration.instance, bpmn_id="permit_feedback"),
            sp,
            {"permit_decision": "refused", "decision_date": "2025-11-07"},
        )
    assert PermitFeedback.objects.get(registration=registration).is_late  # due 2025-11-18
    assert ProcessInstance.objects.get(pk=registration.instance.pk).status == ProcessInstance.Status.COMPLETED


def test_granted_permit_needs_its_record_fields(users, officer):
    sp = officer("510800-SP")
    registration, _ = push(event_id="E-fields", scope="餐饮服务")
    do(open_task(instance=registration.instance), sp, {"claim_decision": "claim"})
    task = open_task(instance=registration.instance, bpmn_id="permit_feedback")
    engine.claim_task(task_id=task.pk, user=sp)
    with pytest.raises(InvalidTaskData) as err:
        engine.complete_task(
            task_id=task.pk, user=sp, data={"permit_decision": "granted", "decision_date": "2025-11-03"}
        )
    assert {"permit_number", "permit_name", "valid_from", "valid_to"} <= set(err.value.details)


def test_task_page_shows_the_enterprise_and_why_it_was_pushed(users, client):
    registration, _ = push(event_id="E-page")
    task = open_task(instance=registration.instance, candidate_department="JYJ")
    client.force_login(users["officer_jy"])

    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()

    assert "广元市某餐饮文化有限公司" in page and registration.enterprise.credit_code in page
    assert "文化教育培训" in page and "民办学校办学许可" in page
    assert (
        client.get(
            f"/workbench/tasks/{open_task(instance=registration.instance, candidate_department='510800-SP').pk}/"
        ).status_code
        == 404
    )


def test_registrar_prints_the_notice_as_a_page_and_a_pdf(users, client):
    registration, _ = push(event_id="E-notice")
    client.force_login(users["registrar"])

    page = client.get(f"/workbench/registrations/{registration.pk}/notice/").content.decode()
    assert "市场主体后置审批事项告知书" in page and "广元市某餐饮文化有限公司" in page
    assert "食品经营许可" in page and "民办学校办学许可" in page and "广元市教育局" in page

    pdf = client.get(f"/workbench/registrations/{registration.pk}/notice.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"STSong-Light" in pdf.content

    client.force_login(users["officer_wj"])
    assert client.get(f"/workbench/registrations/{registration.pk}/notice/").status_code == 404


def test_notice_for_an_unmatched_scope_says_no_approval_is_needed(users, client):
    registration, _ = push(event_id="E-notice-none", scope="软件开发")
    client.force_login(users["registrar"])
    page = client.get(f"/workbench/registrations/{registration.pk}/notice/").content.decode()
    assert "未涉及《后置审批事项目录》所列事项" in page


def test_task_page_draws_the_process_with_its_open_steps(users, client):
    from django.contrib.staticfiles import finders

    registration, _ = push(event_id="E-diagram")
    task = open_task(instance=registration.instance, candidate_department="JYJ")
    client.force_login(users["officer_jy"])

    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert 'data-current="claim_or_return,claim_or_return"' in page
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page
    assert finders.find("vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"), "run ./dev setup (npm ci)"
    xml = client.get(f"/workbench/tasks/{task.pk}/diagram.bpmn")
    assert xml["Content-Type"].startswith("application/xml") and b'id="claim_or_return"' in xml.content
    client.force_login(users["officer_wj"])
    assert client.get(f"/workbench/tasks/{task.pk}/diagram.bpmn").status_code == 404


def test_two_returns_each_keep_their_own_repush(users, officer):
    sp = officer("510800-SP")
    registration, _ = push(event_id="E-two-returns")
    case = registration.instance
    do(
        open_task(instance=case, candidate_department="JYJ"),
        users["officer_jy"],
        {"claim_decision": "return", "return_reason": "非教育事项"},
    )
    do(
        open_task(instance=case, candidate_department="510800-SP"),
        sp,
        {"claim_decision": "return", "return_reason": "非食药事项"},
    )
    jy_confirm = HumanTask.objects.get(return_record__department_code="JYJ")

    do(jy_confirm, users["registrar"], {"department": "WJW"})

    history = dict(registration.returns.values_list("department_code", "repushed_to"))
    assert history == {"JYJ": "WJW", "510800-SP": ""}


def test_the_registrar_cannot_push_back_to_the_returning_department_or_far_away(users):
    registration, _ = push(event_id="E-bad-repush", scope="文化教育培训")
    case = registration.instance
    do(
        open_task(instance=case),
        users["officer_jy"],
        {"claim_decision": "return", "return_reason": "不属本部门"},
    )
    confirm = open_task(instance=case, bpmn_id="confirm_department")
    engine.claim_task(task_id=confirm.pk, user=users["registrar"])
    for code, reason in [("JYJ", "刚退回"), ("510703-WJ", "登记地（广元市）的上下级范围")]:
        with pytest.raises(InvalidTaskData, match=reason):
            engine.complete_task(task_id=confirm.pk, user=users["registrar"], data={"department": code})


def test_feedback_cannot_be_dated_in_the_future(users, officer):
    sp = officer("510800-SP")
    registration, _ = push(event_id="E-future", scope="餐饮服务")
    do(open_task(instance=registration.instance), sp, {"claim_decision": "claim"})
    task = open_task(instance=registration.instance, bpmn_id="permit_feedback")
    engine.claim_task(task_id=task.pk, user=sp)
    with pytest.raises(InvalidTaskData, match="不能晚于今天"):
        engine.complete_task(
            task_id=task.pk, user=sp, data={"permit_decision": "refused", "decision_date": "2099-01-01"}
        )


def test_a_later_push_never_blanks_directory_facts(users):
    code = make_credit_code("9", "1", "510800", "MA6K0001")
    receive_registration(
        event_id="E-a",
        credit_code=code,
        name="某公司",
        business_scope="餐饮服务",
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        address="利州区某路 1 号",
        actor=SYSTEM,
    )
    receive_registration(
        event_id="E-b",
        credit_code=code,
        name="某公司",
        business_scope="餐饮服务；会议服务",
        authority_code="SCJG",
        registered_on=date(2025, 11, 4),
        actor=SYSTEM,
    )
    assert Enterprise.objects.get(credit_code=code).address == "利州区某路 1 号"


def test_a_return_its_repush_and_the_feedback_each_write_an_audit_row(users, officer):
    sp = officer("510800-SP")
    registration, _ = push(event_id="E-audit")
    case = registration.instance
    do(
        open_task(instance=case, candidate_department="JYJ"),
        users["officer_jy"],
        {"claim_decision": "return", "return_reason": "非教育事项"},
    )
    confirm = open_task(instance=case, bpmn_id="confirm_department")
    do(confirm, users["registrar"], {"department": "WJW"})
    do(open_task(instance=case, candidate_department="510800-SP"), sp, {"claim_decision": "claim"})
    do(
        open_task(instance=case, bpmn_id="permit_feedback"),
        sp,
        {"permit_decision": "not_required"},
    )

    rows = {
        event.action: (event.actor, event.human_task_id, event.payload)
        for event in AuditEvent.objects.filter(instance=case)
    }
    assert rows["registration_returned"][0] == users["officer_jy"]
    assert rows["registration_returned"][2] == {"department": "JYJ", "reason": "非教育事项"}
    assert rows["return_awaits_confirmation"][1:] == (confirm.pk, {"department": "JYJ"})
    assert rows["registration_repushed"][0] == users["registrar"]
    assert rows["registration_repushed"][1:] == (confirm.pk, {"department": "WJW"})
    assert rows["permit_fed_back"][0] == sp
    assert rows["permit_fed_back"][2] == {
        "department": "510800-SP",
        "decision": "not_required",
        "late": False,
    }
