"""移动监管执法: the inspector's phone pages and upload endpoint (/workbench/m/).

Only team members see an inspection; the result goes through the same services (and completes the
same BPMN task) as the desktop task form; a re-sent upload (same submission_token, same photo
client_token) enters one result and one photo; refusals answer the API's JSON envelope; the
manifest and the service worker make it an installable app."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.lifecycles.inspection import services
from casework.lifecycles.inspection.mobile_demo import start_demo_cases
from casework.lifecycles.inspection.models import (
    Draw,
    Inspection,
    InspectionItem,
    InspectionMember,
    InspectionPhoto,
    InspectionPlan,
    InspectionTask,
    Inspector,
)
from casework.organization.models import Department, Membership, Role
from casework.portal import registry
from processes.models import AuditEvent, HumanTask

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 2, 10, 0)  # Monday
LATER = local(2026, 11, 5, 10, 0)
CODE = make_credit_code("9", "1", "510802", "MA6D0M01")
ENTERPRISE = "广元市清风餐饮有限公司"


def jpeg(size=(64, 48), color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def _draw(users, suffix: str, today: date) -> Draw:
    scjg = Department.objects.get(code="SCJG")
    plan = InspectionPlan.objects.create(
        number=f"SJJH-2026-M{suffix}",
        name="2026 年度企业公示信息抽查",
        lead_department=scjg,
        period_start=today - timedelta(days=30),
        period_end=today + timedelta(days=60),
        state=InspectionPlan.State.APPROVED,
        created_by=users["admin"],
    )
    plan.departments.add(scjg)
    task = InspectionTask.objects.create(
        plan=plan, name="餐饮企业公示信息抽查", result_due=today + timedelta(days=15)
    )
    item, _ = InspectionItem.objects.get_or_create(
        department=scjg,
        code="SC-M01",
        defaults={
            "name": "企业公示信息情况的检查",
            "legal_basis": "《企业信息公示暂行条例》第十四条",
            "checklist": ["年度报告公示信息是否真实", "即时公示信息是否及时"],
        },
    )
    task.items.add(item)
    task.departments.add(scjg)
    return Draw.objects.create(
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


def _inspector(user) -> Inspector:
    scjg = Department.objects.get(code="SCJG")
    Membership.objects.get_or_create(user=user, department=scjg, role=Role.INSPECTOR)
    found, _ = Inspector.objects.get_or_create(
        user=user,
        department=scjg,
        defaults={
            "certificate_number": f"5108002026{user.pk:04d}",
            "certificate_valid_until": date(2028, 12, 31),
        },
    )
    return found


def make_inspection(
    users, *, suffix="1", start=True, today=date(2026, 11, 5), code=CODE, name=ENTERPRISE, at=NOW
) -> Inspection:
    """An inspection of ``name`` for ``inspector`` (lead) and ``inspector2``, its case started at ``at``;
    the plan runs from 30 days before ``today`` to 60 days after, results due 15 days after."""
    partner, _ = get_user_model().objects.get_or_create(
        username="inspector2", defaults={"first_name": "检查人员 郑洁"}
    )
    Enterprise.objects.get_or_create(
        credit_code=code,
        defaults={
            "name": name,
            "kind": Enterprise.Kind.ENTERPRISE,
            "address": "广元市利州区南河街道 8 号",
            "division_code": "510802",
            "registration_authority": Department.objects.get(code="SCJG"),
        },
    )
    found = Inspection.objects.create(
        draw=_draw(users, suffix, today), position=0, credit_code=code, enterprise_name=name, risk_class="B"
    )
    for position, user in enumerate((users["inspector"], partner)):
        InspectionMember.objects.create(inspection=found, inspector=_inspector(user), position=position)
    if start:
        with time_machine.travel(at, tick=False):
            services.start_inspection(found, users["admin"])
        found.refresh_from_db()
    return found


@pytest.fixture
def inspection(users):
    return make_inspection(users)


def client_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def partner():
    return get_user_model().objects.get(username="inspector2")


def api(inspection) -> str:
    return reverse("workbench:inspection-m-api-result", args=[inspection.pk])


def values(**overrides):
    data = {
        "result_code": "no_problem",
        "method": "onsite",
        "inspected_on": "2026-11-04",
        "findings": "",
        "follow_up": "none",
        "follow_up_department": "",
    }
    data.update(overrides)
    return data


def post_result(client, inspection, *, token=None, photos=(), **overrides):
    data = {**values(**overrides), "submission_token": str(token or uuid.uuid4())}
    data["photo"] = [
        SimpleUploadedFile(f"p{i}.jpg", content, "image/jpeg") for i, (_, content) in enumerate(photos)
    ]
    data["photo_token"] = [str(t) for t, _ in photos]
    with time_machine.travel(LATER, tick=False):
        return client.post(api(inspection), data)


# --- who sees what ---------------------------------------------------------------------------------------


def test_the_list_shows_the_member_their_assignment_with_the_due_date_in_chinese(users, inspection):
    with time_machine.travel(LATER, tick=False):
        page = client_for(users["inspector"]).get(reverse("workbench:inspection-m-list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert ENTERPRISE in text and "待录入" in text
    assert "11月20日（周五） 截止 · 还有 15 天" in text
    assert "利州区" in text
    assert 'rel="manifest"' in text


def test_a_non_member_sees_no_assignment_and_gets_404_on_the_pages_and_the_endpoint(users, inspection):
    outsider = client_for(users["officer_wj"])
    listed = outsider.get(reverse("workbench:inspection-m-list"))
    assert ENTERPRISE not in listed.content.decode()
    assert "暂无检查任务" in listed.content.decode()
    assert outsider.get(reverse("workbench:inspection-m-detail", args=[inspection.pk])).status_code == 404
    answer = post_result(outsider, inspection)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert Inspection.objects.get(pk=inspection.pk).result_code == ""


def test_the_endpoint_answers_401_json_when_the_session_is_gone(inspection):
    answer = post_result(Client(), inspection)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"


def test_the_inspection_page_shows_the_enterprise_card_credit_warnings_checklist_and_team(users, inspection):
    def warnings(code):
        if code != CODE:
            return []
        return [
            registry.PublicRecord(
                record_id="test:1",
                category="经营异常名录信息",
                title="列入经营异常名录",
                document_number="广市监异〔2026〕12号",
                department="广元市市场监督管理局",
                published_on=date(2026, 5, 6),
            ),
            registry.PublicRecord(
                record_id="test:2",
                category="行政许可信息",
                title="食品经营许可证",
                document_number="JY15108020001",
                department="广元市市场监督管理局",
                published_on=date(2026, 1, 6),
            ),
        ]

    with registry.registrations(records=[warnings]), time_machine.travel(LATER, tick=False):
        page = client_for(users["inspector"]).get(
            reverse("workbench:inspection-m-detail", args=[inspection.pk])
        )
    text = page.content.decode()
    assert page.status_code == 200
    assert CODE in text and "广元市利州区南河街道 8 号" in text and "B 类" in text
    assert "信用警示 1 条" in text and "经营异常名录信息" in text and "广市监异〔2026〕12号" in text
    assert "食品经营许可证" not in text  # not a warning
    assert "年度报告公示信息是否真实" in text and 'type="checkbox"' in text
    assert "检查人员 郑洁" in text and "（我）" in text
    assert 'capture="environment"' in text and 'accept="image/*"' in text
    assert "提交检查结果" in text


# --- the upload endpoint ------------------------------------------------------------------------------


def test_a_result_with_a_photo_completes_the_entry_task_and_the_co_inspector_gets_the_confirmation(
    users, inspection
):
    photo_token = uuid.uuid4()
    answer = post_result(client_for(users["inspector"]), inspection, photos=[(photo_token, jpeg())])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["outcome"] == "submitted"
    assert body["inspection"]["state"] == "confirming"
    assert body["photos"][0]["client_token"] == str(photo_token)
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.CONFIRMING and inspection.result_code == "no_problem"
    assert InspectionPhoto.objects.get(inspection=inspection).client_token == photo_token
    entry = HumanTask.objects.get(instance=inspection.instance, bpmn_id=services.ENTER)
    assert entry.state == HumanTask.State.COMPLETED and entry.completed_by == users["inspector"]
    confirm = HumanTask.objects.get(instance=inspection.instance, bpmn_id=services.CONFIRM)
    assert confirm.state == HumanTask.State.OPEN and confirm.assignee == partner()


def test_the_same_upload_twice_enters_one_result_and_one_photo(users, inspection):
    client = client_for(users["inspector"])
    token, photo_token, content = uuid.uuid4(), uuid.uuid4(), jpeg()
    first = post_result(client, inspection, token=token, photos=[(photo_token, content)])
    again = post_result(client, inspection, token=token, photos=[(photo_token, content)])
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["photos"] == first.json()["photos"]
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    assert AuditEvent.objects.filter(action="inspection_result_submitted").count() == 1
    assert HumanTask.objects.filter(instance=inspection.instance, bpmn_id=services.ENTER).count() == 1


def test_validation_errors_answer_json_with_the_fields_and_enter_nothing(users, inspection):
    answer = post_result(
        client_for(users["inspector"]),
        inspection,
        photos=[(uuid.uuid4(), jpeg())],
        result_code="not_disclosed",
        findings="",
        follow_up="transfer",
        inspected_on="2027-01-05",
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "inspection_refused"
    assert error["details"]["findings"] == "发现问题或未能检查的，请填写检查情况"
    assert error["details"]["follow_up_department"] == "“移送办案机构”须选择接收部门"
    assert "inspected_on" in error["details"]
    assert error["message"].startswith("检查结果有误")
    assert InspectionPhoto.objects.count() == 0
    assert (
        HumanTask.objects.get(instance=inspection.instance, bpmn_id=services.ENTER).state
        == HumanTask.State.OPEN
    )


def test_a_file_that_is_not_an_image_is_refused_before_anything_is_entered(users, inspection):
    client = client_for(users["inspector"])
    with time_machine.travel(LATER, tick=False):
        answer = client.post(
            api(inspection),
            {
                **values(),
                "submission_token": str(uuid.uuid4()),
                "photo": [SimpleUploadedFile("a.jpg", b"not a picture", "image/jpeg")],
                "photo_token": [str(uuid.uuid4())],
            },
        )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "photo_refused"
    assert Inspection.objects.get(pk=inspection.pk).state == Inspection.State.ASSIGNED


def test_only_the_lead_inspector_enters_the_result(users, inspection):
    answer = post_result(client_for(partner()), inspection)
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "只有主检人员可以录入检查结果"


def test_the_endpoint_checks_djangos_csrf_token(users, inspection):
    client = client_for(users["inspector"], csrf=True)
    refused = post_result(client, inspection)
    assert refused.status_code == 403
    page = client.get(reverse("workbench:inspection-m-detail", args=[inspection.pk]))
    token = page.content.decode().split('data-csrf="', 1)[1].split('"', 1)[0]
    data = {**values(), "submission_token": str(uuid.uuid4())}
    with time_machine.travel(LATER, tick=False):
        answer = client.post(api(inspection), data, HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 201, answer.content


# --- the pages' own forms (no script) ------------------------------------------------------------------


def test_the_result_form_without_script_keeps_what_was_typed_on_a_validation_error(users, inspection):
    client = client_for(users["inspector"])
    url = reverse("workbench:inspection-m-result", args=[inspection.pk])
    with time_machine.travel(LATER, tick=False):
        page = client.post(url, {**values(result_code="problem", findings="", method="documents")})
    text = page.content.decode()
    assert page.status_code == 422
    assert "发现问题或未能检查的，请填写检查情况" in text
    assert '<option value="documents" selected>' in text
    assert '<option value="problem" selected>' in text
    with time_machine.travel(LATER, tick=False):
        done = client.post(
            url,
            {
                **values(findings="年报已公示", method="documents"),
                "photo": [SimpleUploadedFile("site.jpg", jpeg(), "image/jpeg")],
            },
        )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.CONFIRMING and inspection.photos.count() == 1


def test_the_co_inspector_confirms_on_the_phone_and_a_dispute_needs_a_reason(users, inspection):
    post_result(client_for(users["inspector"]), inspection, findings="年报已公示")
    client = client_for(partner())
    detail = reverse("workbench:inspection-m-detail", args=[inspection.pk])
    page = client.get(detail)
    assert "同组确认" in page.content.decode() and "年报已公示" in page.content.decode()
    url = reverse("workbench:inspection-m-confirm", args=[inspection.pk])
    with time_machine.travel(LATER, tick=False):
        refused = client.post(url, {"confirm_decision": "dispute", "confirm_note": " "})
    assert refused.status_code == 422
    assert "提出异议须说明理由" in refused.content.decode()
    assert 'value="dispute" checked' in refused.content.decode()
    with time_machine.travel(LATER, tick=False):
        done = client.post(url, {"confirm_decision": "confirm"})
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.REVIEWING
    assert HumanTask.objects.get(instance=inspection.instance, bpmn_id=services.CONFIRM).state == "completed"
    # the lead inspector cannot confirm their own result
    assert client_for(users["inspector"]).get(detail).status_code == 200


# --- the installable app ---------------------------------------------------------------------------------


def test_the_manifest_and_the_service_worker(client, users):
    manifest = client.get(reverse("workbench:inspection-m-manifest"))
    body = json.loads(manifest.content)
    assert manifest["Content-Type"].startswith("application/manifest+json")
    assert body["name"] == "协同监管·移动检查"
    assert body["start_url"] == reverse("workbench:inspection-m-list")
    assert body["display"] == "standalone"
    for icon in body["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert isinstance(path, str)
        with Image.open(path) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
    worker = client.get(reverse("workbench:inspection-m-sw"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/workbench/m/"
    assert "no-cache" in worker["Cache-Control"] or "max-age=0" in worker["Cache-Control"]
    code = worker.content.decode()
    assert "/static/inspection/mobile.css" in code and "/workbench/m/inspections/" in code
    assert client.get(reverse("workbench:inspection-m-offline")).status_code == 200


def test_the_demo_seeder_starts_the_cases_a_draw_left_waiting(users):
    waiting = make_inspection(users, suffix="9", start=False)
    with time_machine.travel(NOW, tick=False):
        assert start_demo_cases() == 1
        assert start_demo_cases() == 0
    waiting.refresh_from_db()
    task = HumanTask.objects.get(instance=waiting.instance, bpmn_id=services.ENTER)
    assert task.assignee == users["inspector"]


def test_after_seed_demo_the_demo_inspector_has_assignments_on_the_phone(users):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent: nothing drawn or started twice
    inspector = get_user_model().objects.get(username="inspector")
    held = HumanTask.objects.filter(
        case_type=services.PROCESS, bpmn_id=services.ENTER, assignee=inspector, state=HumanTask.State.OPEN
    )
    assert held.count() == Inspection.objects.filter(members__inspector__user=inspector).count() >= 1
    page = client_for(inspector).get(reverse("workbench:inspection-m-list"))
    assert page.content.decode().count('data-testid="assignment"') == held.count()
    assert "待录入" in page.content.decode()


def test_the_desktop_menu_links_the_phone_pages_for_inspectors_only(users, inspection):
    link = 'href="/workbench/m/inspections/"'
    assert link in client_for(users["inspector"]).get(reverse("workbench:queue")).content.decode()
    assert link not in client_for(users["registrar"]).get(reverse("workbench:queue")).content.decode()
