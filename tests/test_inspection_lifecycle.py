"""双随机 inspection case (``bpmn/random_inspection.bpmn``): the lead inspector holds the entry,
the co-inspector confirms or disputes, the lead department's reviewer approves or returns, the
approved result is published as a 抽查检查结果 record on the portal, the follow-up goes where it
belongs; overdue entry escalates to 效能督办; a result sent twice is entered once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.errors import Forbidden
from casework.lifecycles.collection.models import CollectedRecord
from casework.lifecycles.inspection import services
from casework.lifecycles.inspection.models import (
    Draw,
    Inspection,
    InspectionItem,
    InspectionMember,
    InspectionPlan,
    InspectionTask,
    Inspector,
)
from casework.organization.models import Department, Membership, Role
from processes import engine
from processes.deadlines import end_of_day
from processes.errors import InvalidTaskData
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 2, 10, 0)  # Monday
LATER = local(2026, 11, 5, 10, 0)
CODE = make_credit_code("9", "1", "510802", "MA6D0J01")
State = Inspection.State
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def inspection(users):
    scjg = Department.objects.get(code="SCJG")
    partner = get_user_model().objects.get(username="inspector2")  # a demo account
    Membership.objects.get_or_create(user=partner, department=scjg, role=Role.INSPECTOR)
    Enterprise.objects.create(
        credit_code=CODE,
        name="广元市清风餐饮有限公司",
        kind=Enterprise.Kind.ENTERPRISE,
        address="广元市利州区南河街道 8 号",
        division_code="510802",
        registration_authority=scjg,
    )
    item = InspectionItem.objects.create(
        department=scjg,
        code="SC-001",
        name="企业公示信息情况的检查",
        legal_basis="《企业信息公示暂行条例》第十四条",
        checklist=["年度报告公示信息是否真实", "即时公示信息是否及时"],
    )
    plan = InspectionPlan.objects.create(
        number="SJJH-2026-001",
        name="2026 年度企业公示信息抽查",
        lead_department=scjg,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        state=InspectionPlan.State.APPROVED,
        created_by=users["admin"],
    )
    plan.departments.add(scjg)
    task = InspectionTask.objects.create(
        plan=plan, name="餐饮企业公示信息抽查", result_due=date(2026, 11, 20)
    )
    task.items.add(item)
    task.departments.add(scjg)
    draw = Draw.objects.create(
        task=task,
        algorithm="xtjg-draw/1",
        seed="00" * 32,
        population_hash="0" * 64,
        population_size=1,
        population_file=ContentFile(b"test", name="population.csv.gz"),
        parameters={},
        result_hash="0" * 64,
        operator=users["admin"],
    )
    found = Inspection.objects.create(
        draw=draw, position=0, credit_code=CODE, enterprise_name="广元市清风餐饮有限公司", risk_class="B"
    )
    for position, user in enumerate((users["inspector"], partner)):
        officer = Inspector.objects.create(
            user=user,
            department=scjg,
            certificate_number=f"51080020260{position}",
            certificate_valid_until=date(2028, 12, 31),
        )
        InspectionMember.objects.create(inspection=found, inspector=officer, position=position)
    with time_machine.travel(NOW, tick=False):
        services.start_inspection(found, users["admin"])
    found.refresh_from_db()
    return found


def open_task(inspection, bpmn_id) -> HumanTask:
    return HumanTask.objects.get(instance=inspection.instance, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)


def submit(inspection, users, token=None, **overrides):
    values = {
        "result_code": "no_problem",
        "method": "onsite",
        "inspected_on": "2026-11-04",
        "findings": "",
        "follow_up": "none",
        "follow_up_department": "",
    }
    values.update(overrides)
    with time_machine.travel(LATER, tick=False):
        return services.submit_result(
            inspection=inspection, actor=users["inspector"], submission_token=token or uuid.uuid4(), **values
        )


def confirm(inspection, decision="confirm", note=""):
    partner = get_user_model().objects.get(username="inspector2")
    with time_machine.travel(LATER, tick=False):
        return services.confirm_result(inspection=inspection, actor=partner, decision=decision, note=note)


def review(inspection, users, decision="approve", note=""):
    with time_machine.travel(LATER, tick=False):
        return services.review_result(
            inspection=inspection, actor=users["reviewer_sc"], decision=decision, note=note
        )


def actions(inspection) -> list[str]:
    return list(
        AuditEvent.objects.filter(instance=inspection.instance)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_the_case_starts_with_the_entry_assigned_to_the_lead_inspector_due_at_the_end_of_the_result_day(
    inspection, users
):
    task = open_task(inspection, services.ENTER)
    assert task.assignee == users["inspector"] and task.claimed_at is not None
    assert (task.candidate_department, task.candidate_role) == ("SCJG", Role.INSPECTOR)
    assert task.due_at == end_of_day(date(2026, 11, 20))
    assert "inspection_task_assigned" in actions(inspection)
    assert services.start_inspection(inspection, users["admin"]) == inspection.instance  # once only
    assert ProcessInstance.objects.filter(case_type=services.PROCESS).count() == 1


def test_submitted_confirmed_and_approved_the_result_is_a_published_record_on_the_portal(
    inspection, users, client
):
    assert submit(inspection, users).outcome == "submitted"
    inspection.refresh_from_db()
    assert inspection.state == State.CONFIRMING and inspection.submitted_by == users["inspector"]
    assert open_task(inspection, services.CONFIRM).assignee.username == "inspector2"

    assert confirm(inspection).state == State.REVIEWING
    assert inspection.members.get(position=1).confirmed_at is not None

    inspection = review(inspection, users)
    assert inspection.state == State.PUBLISHED and inspection.published_at is not None
    item = CollectedRecord.objects.get(pk=inspection.record_id)
    assert item.record_type == "inspection_result" and item.type_name == "抽查检查结果"
    assert (
        item.document_number
        == services.number_of(inspection)
        == f"SJJH-2026-001-{inspection.draw.task_id}-0000"
    )
    assert item.state == CollectedRecord.State.PUBLISHED and item.provider.code == "SCJG"
    assert item.values["result"] == "no_problem" and item.values["inspection_kind"] == "random"
    inspection.instance.refresh_from_db()
    assert inspection.instance.status == ProcessInstance.Status.COMPLETED  # 无需处置: done

    html = client.get(f"/gs/e/{CODE}/").content.decode()
    assert "抽查检查结果" in html and services.number_of(inspection) in html and "未发现问题" in html

    # Publishing again is the same record, unchanged.
    services.publish(inspection)
    assert CollectedRecord.objects.filter(record_type="inspection_result").count() == 1
    assert {
        "inspection_started",
        "inspection_task_assigned",
        "inspection_result_submitted",
        "inspection_result_confirmed",
        "inspection_result_approved",
        "inspection_result_published",
    } <= set(actions(inspection))


def test_a_dispute_and_a_return_send_the_result_back_to_the_lead_inspector_with_the_reason(inspection, users):
    submit(inspection, users)
    with pytest.raises(services.InspectionRefused):
        confirm(inspection, "dispute")  # a dispute needs its reason
    assert confirm(inspection, "dispute", "检查日期记错了").state == State.RETURNED
    task = open_task(inspection, services.ENTER)
    assert task.assignee == users["inspector"]
    inspection.refresh_from_db()
    assert "检查日期记错了" in inspection.review_note

    submit(inspection, users, inspected_on="2026-11-03")
    confirm(inspection)
    with pytest.raises(services.InspectionRefused):
        review(inspection, users, "return")  # a return needs its reason
    assert review(inspection, users, "return", "检查情况过于简略").state == State.RETURNED
    assert open_task(inspection, services.ENTER).assignee == users["inspector"]
    assert not CollectedRecord.objects.exists()  # nothing published before approval
    assert {"inspection_result_disputed", "inspection_result_returned"} <= set(actions(inspection))


def test_a_result_sent_again_with_the_same_token_is_entered_once_even_after_a_return(inspection, users):
    token = uuid.uuid4()
    assert submit(inspection, users, token=token).outcome == "submitted"
    assert submit(inspection, users, token=token).outcome == "duplicate"
    assert actions(inspection).count("inspection_result_submitted") == 1
    confirm(inspection, "dispute", "结果不对")
    second = uuid.uuid4()
    assert submit(inspection, users, token=second).outcome == "submitted"
    inspection.refresh_from_db()
    assert inspection.submission_token == second
    confirm(inspection, "dispute", "还是不对")
    # A phone that was offline re-sends the first result now: it was entered long ago, not again.
    assert submit(inspection, users, token=token).outcome == "duplicate"
    assert open_task(inspection, services.ENTER).state == HumanTask.State.OPEN
    assert actions(inspection).count("inspection_result_submitted") == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"inspected_on": "2026-11-06"}, "inspected_on"),  # after today (LATER is 11-05)
        ({"inspected_on": "2026-09-30"}, "inspected_on"),  # before the plan period
        ({"result_code": "not_disclosed", "findings": ""}, "findings"),
        ({"follow_up": "transfer"}, "follow_up_department"),
        ({"method": "guesswork"}, "method"),
        ({"result_code": "fine"}, "result_code"),
    ],
)
def test_a_result_is_refused_with_the_field_that_is_wrong(inspection, users, overrides, field):
    with pytest.raises(services.InspectionRefused) as refused:
        submit(inspection, users, **overrides)
    assert field in refused.value.details
    assert inspection.instance.human_tasks.get(bpmn_id=services.ENTER).state == HumanTask.State.OPEN


def test_only_the_lead_inspector_enters_and_the_task_form_applies_the_same_rules(inspection, users):
    with time_machine.travel(LATER, tick=False), pytest.raises(Forbidden):
        services.submit_result(
            inspection=inspection,
            actor=get_user_model().objects.get(username="inspector2"),
            result_code="no_problem",
            method="onsite",
            inspected_on="2026-11-04",
        )
    task = open_task(inspection, services.ENTER)
    with time_machine.travel(LATER, tick=False), pytest.raises(InvalidTaskData) as refused:
        engine.complete_task(
            task_id=task.pk,
            user=users["inspector"],
            data={
                "result_code": "unreachable",
                "method": "onsite",
                "inspected_on": "2026-11-04",
                "follow_up": "none",
            },
        )
    assert "findings" in refused.value.details


def test_an_entry_not_made_by_the_result_day_escalates_and_stays_with_the_inspector(inspection, users):
    with time_machine.travel(local(2026, 11, 21, 9, 0), tick=False):
        engine.fire_due_timers()
    task = open_task(inspection, services.ENTER)
    supervision = ProcessInstance.objects.get(case_type="efficiency_supervision", parent_task=task)
    assert supervision.status == ProcessInstance.Status.RUNNING
    assert task.assignee == users["inspector"]  # non-interrupting: still theirs to finish
    assert HumanTask.objects.filter(
        instance=supervision, bpmn_id="supervise", candidate_department="XNDB"
    ).exists()


def test_the_review_not_done_within_the_publish_clock_escalates(inspection, users):
    submit(inspection, users)
    confirm(inspection)
    task = open_task(inspection, services.REVIEW)
    assert task.due_clock == "publish" and task.due_at is not None
    with time_machine.travel(local(2026, 12, 15, 9, 0), tick=False):
        engine.fire_due_timers()
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision", parent_task=task).exists()


def _approve(inspection, users, **result):
    submit(inspection, users, **result)
    confirm(inspection)
    return review(inspection, users)


def test_an_order_to_correct_is_tracked_by_the_lead_inspector_within_its_clock(inspection, users):
    inspection = _approve(
        inspection, users, result_code="not_disclosed", findings="未公示 2025 年度报告", follow_up="rectify"
    )
    assert inspection.state == State.PUBLISHED
    assert CollectedRecord.objects.get(pk=inspection.record_id).values["follow_up"] == "order"
    task = open_task(inspection, services.RECTIFY)
    assert task.assignee == users["inspector"] and task.candidate_department == "SCJG"
    assert task.due_clock == "inspection.rectify" and task.due_at is not None
    with time_machine.travel(LATER, tick=False):
        engine.complete_task(
            task_id=task.pk,
            user=users["inspector"],
            data={"rectify_outcome": "rectified", "rectify_note": "已补报年度报告"},
        )
    inspection.instance.refresh_from_db()
    assert inspection.instance.status == ProcessInstance.Status.COMPLETED
    assert "inspection_rectification_tracked" in actions(inspection)


@pytest.mark.parametrize(
    ("follow_up", "department", "bpmn_id", "officer"),
    [("transfer", "WJW", services.TRANSFER, "officer_wj"), ("notify", "JYJ", services.NOTIFY, "officer_jy")],
)
def test_a_transfer_or_notice_is_a_task_in_the_chosen_departments_inbox(
    inspection, users, follow_up, department, bpmn_id, officer
):
    inspection = _approve(
        inspection,
        users,
        result_code="problem",
        findings="无证从事餐饮服务",
        follow_up=follow_up,
        follow_up_department=department,
    )
    task = open_task(inspection, bpmn_id)
    assert (task.candidate_department, task.candidate_role) == (department, Role.OFFICER)
    assert task.assignee is None  # the department's queue
    with time_machine.travel(LATER, tick=False):
        engine.claim_task(task_id=task.pk, user=users[officer])
        engine.complete_task(task_id=task.pk, user=users[officer], data={"handling_note": "已接收，立案调查"})
    inspection.instance.refresh_from_db()
    assert inspection.instance.status == ProcessInstance.Status.COMPLETED
    # 发现问题待后续处理 (格式规范 v2) is published as it is.
    item = CollectedRecord.objects.get(pk=inspection.record_id)
    assert item.state == CollectedRecord.State.PUBLISHED and item.values["result"] == "pending_follow_up"
    inspection.refresh_from_db()
    assert inspection.state == State.PUBLISHED


def test_photos_are_kept_once_per_token_and_shown_only_to_those_who_see_the_case(inspection, users, client):
    token = uuid.uuid4()
    first = services.add_photo(
        inspection=inspection,
        image=SimpleUploadedFile("site.png", PNG, content_type="image/png"),
        client_token=token,
        actor=users["inspector"],
        caption="门头",
    )
    again = services.add_photo(
        inspection=inspection,
        image=SimpleUploadedFile("site.png", PNG, content_type="image/png"),
        client_token=token,
        actor=users["inspector"],
    )
    assert again.pk == first.pk and inspection.photos.count() == 1
    with pytest.raises(Forbidden):
        services.add_photo(
            inspection=inspection,
            image=SimpleUploadedFile("x.png", PNG),
            client_token=uuid.uuid4(),
            actor=users["officer_wj"],
        )
    url = reverse("workbench:inspection-photo", args=[first.pk])
    client.force_login(users["officer_wj"])
    assert client.get(url).status_code == 404
    client.force_login(users["inspector"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


def test_the_desktop_task_page_shows_the_inspection_and_completes_the_entry(inspection, users, client):
    task = open_task(inspection, services.ENTER)
    client.force_login(users["inspector"])
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
        assert "广元市清风餐饮有限公司" in page and "年度报告公示信息是否真实" in page
        assert "检查人员 吴刚" in page and "检查人员 郑洁" in page and "主检" in page
        assert 'name="submission_token"' in page
        refused = client.post(
            reverse("workbench:complete", args=[task.pk]),
            {
                "method": "onsite",
                "inspected_on": "2026-11-04",
                "result_code": "unreachable",
                "follow_up": "none",
            },
        )
        assert refused.status_code == 422 and "请填写检查情况" in refused.content.decode()
        done = client.post(
            reverse("workbench:complete", args=[task.pk]),
            {
                "method": "onsite",
                "inspected_on": "2026-11-04",
                "result_code": "no_problem",
                "follow_up": "none",
                "submission_token": str(uuid.uuid4()),
            },
        )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == State.CONFIRMING and inspection.submission_token is not None
