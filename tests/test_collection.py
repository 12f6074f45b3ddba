"""归集公示: a record from submission to publication and archive — validation returns it for 补正,
保密审查, 涉密 and 依规不公示 records stay off the portal, resubmission is a new version, withdrawal
keeps the row, departments see only their own records."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection import selectors, services
from casework.lifecycles.collection.models import CollectedRecord
from casework.organization.models import Department
from processes import engine
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

State = CollectedRecord.State
NOW = local(2026, 11, 2, 10, 0)  # Monday
CODE = make_credit_code("9", "1", "510802", "MA6D0G01")


def permit(**overrides) -> dict:
    values = {
        "permit_number": "川卫许〔2026〕101号",
        "permit_name": "医疗机构执业许可证",
        "decision_date": "2026-10-30",
        "valid_from": "2026-10-30",
        "valid_to": "2031-10-29",
        "permit_authority": "广元市卫生健康委员会",
        "permit_content": "诊疗科目：内科、外科",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def submit(users, values=None, *, record_type="permit", provider="WJW", code=CODE, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return services.submit_record(
            provider=Department.objects.get(code=provider),
            record_type=record_type,
            credit_code=code,
            enterprise_name="广元市仁心门诊部有限公司",
            values=permit() if values is None else values,
            actor=users["officer_wj"],
            **kwargs,
        )


def open_task(item, bpmn_id) -> HumanTask:
    return HumanTask.objects.get(instance=item.instance, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)


def complete(task, user, data):
    with time_machine.travel(NOW, tick=False):
        engine.claim_task(task_id=task.pk, user=user)
        engine.complete_task(task_id=task.pk, user=user, data=data)


def test_a_valid_permit_is_published_at_once_until_its_validity_ends(users):
    result = submit(users)
    item = result.record
    assert result.outcome == "created" and item.errors == {}
    assert item.state == State.PUBLISHED and item.published_at is not None
    assert item.archive_on == date(2031, 10, 29)
    assert item.version == 1 and item.versions.count() == 1
    assert {"record_collected", "record_published"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    assert list(selectors.published_for(CODE)) == [item]


def test_invalid_data_is_kept_and_returned_for_correction_within_the_collect_clock(users):
    item = submit(users, permit(permit_name=None, valid_to="2026-01-01")).record
    assert item.state == State.RETURNED
    assert set(item.errors) >= {"permit_name", "valid_to"}
    task = open_task(item, "correct_record")
    assert task.candidate_department == "WJW" and task.due_clock == "collect"
    assert "广元市涉企信息统一归集公示工作实施方案" in task.due_basis  # 广元: 7 working days
    assert task.due_at == local(2026, 11, 11, 23, 59, 59)

    fields = {f"v_{k}": v for k, v in permit().items()}
    complete(task, users["officer_wj"], fields)
    item.refresh_from_db()
    assert item.state == State.PUBLISHED and item.errors == {}
    assert item.version == 2 and item.values["permit_name"] == "医疗机构执业许可证"
    assert [v.note for v in selectors.versions_of(item)] == ["补正", "首次归集"]


def test_the_correction_form_refuses_data_that_still_fails_the_spec(users):
    item = submit(users, permit(permit_name=None)).record
    task = open_task(item, "correct_record")
    with time_machine.travel(NOW, tick=False):
        engine.claim_task(task_id=task.pk, user=users["officer_wj"])
        with pytest.raises(Exception, match="许可文件名称"):
            engine.complete_task(
                task_id=task.pk,
                user=users["officer_wj"],
                data={f"v_{k}": v for k, v in permit(permit_name="").items()},
            )
    item.refresh_from_db()
    assert item.state == State.RETURNED


def test_a_sensitive_record_waits_for_review_and_a_return_goes_back_to_correction(users):
    item = submit(users, sensitive=True).record
    assert item.state == State.REVIEWING
    review = open_task(item, "review_record")
    assert review.candidate_role == "reviewer" and review.due_clock == "publish"
    complete(
        review, users["reviewer_wj"], {"review_decision": "return", "review_reason": "含未脱敏的病历信息"}
    )
    item.refresh_from_db()
    assert item.state == State.RETURNED
    correct = open_task(item, "correct_record")
    complete(
        correct,
        users["officer_wj"],
        {f"v_{k}": v for k, v in permit(permit_content="诊疗科目：内科").items()},
    )
    review = open_task(item, "review_record")
    complete(review, users["reviewer_wj"], {"review_decision": "approve"})
    item.refresh_from_db()
    assert item.state == State.PUBLISHED and item.values["permit_content"] == "诊疗科目：内科"


def test_a_state_secret_and_a_simple_procedure_penalty_are_never_published(users):
    secret = submit(users, secret=True).record
    assert secret.state == State.CONFIDENTIAL
    penalty = {
        "penalty_number": "广卫罚〔2026〕12号",
        "violation_type": "未按规定公示",
        "procedure": "simple",
        "penalty_kind": "fine",
        "penalty_content": "罚款200元",
        "fine_amount": "200",
        "publication_class": "light",
        "decision_authority": "广元市卫生健康委员会",
        "decision_date": "2026-10-30",
    }
    simple = submit(users, penalty, record_type="penalty").record
    assert simple.state == State.NOT_PUBLIC
    assert list(selectors.published_for(CODE)) == []


def test_resubmitting_is_idempotent_and_a_change_is_a_new_version(users):
    first = submit(users, permit(permit_name=None)).record
    again = submit(users, permit(permit_name=None))
    assert again.outcome == "unchanged" and again.record.pk == first.pk
    changed = submit(users, permit(permit_name=None, permit_content="诊疗科目：儿科"))
    assert changed.outcome == "versioned" and changed.record.version == 2
    assert CollectedRecord.objects.count() == 1


def test_a_published_record_is_not_overwritten(users):
    submit(users)
    with pytest.raises(services.RecordRefused, match="更正"):
        submit(users, permit(permit_content="改了"))


def test_withdrawal_keeps_the_row_with_its_reason_and_only_the_provider_may(users):
    item = submit(users, permit(permit_name=None)).record
    with pytest.raises(services.Forbidden):
        services.withdraw_record(item=item, reason="误报", actor=users["officer_jy"])
    with pytest.raises(services.RecordRefused, match="撤销原因"):
        services.withdraw_record(item=item, reason=" ", actor=users["officer_wj"])
    services.withdraw_record(item=item, reason="重复报送", actor=users["officer_wj"])
    item.refresh_from_db()
    assert item.state == State.WITHDRAWN and item.withdrawn_reason == "重复报送"
    assert ProcessInstance.objects.get(pk=item.instance_id).status == ProcessInstance.Status.TERMINATED
    assert not HumanTask.objects.filter(instance=item.instance, state=HumanTask.State.OPEN).exists()


def test_a_department_sees_only_its_own_records(users, client):
    item = submit(users).record
    assert selectors.visible_record(users["officer_jy"], item.pk) is None
    client.force_login(users["officer_jy"])
    assert client.get(reverse("workbench:record", args=[item.pk])).status_code == 404
    assert "广元市仁心门诊部" not in client.get(reverse("workbench:records")).content.decode()
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:record", args=[item.pk])).content.decode()
    assert "川卫许〔2026〕101号" in page and "已公示" in page


def test_the_publication_period_ends_in_archive(users):
    item = submit(users, permit(valid_to="2026-11-30")).record
    assert item.archive_on == date(2026, 11, 30)
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False):
        engine.fire_due_timers()
    item.refresh_from_db()
    assert item.state == State.ARCHIVED and item.archived_at is not None
    assert list(selectors.published_for(CODE)) == []
    assert CollectedRecord.objects.filter(pk=item.pk).exists()  # kept, never deleted


def test_late_collection_is_flagged_unless_it_is_backfill(users):
    old = permit(decision_date="2026-09-01", valid_from="2026-09-01")
    assert submit(users, old).record.late
    backfill = submit(
        users,
        permit(permit_number="川卫许〔2026〕5号", decision_date="2026-09-01", valid_from="2026-09-01"),
        backfill=True,
    )
    assert not backfill.record.late
    assert not submit(users, permit(permit_number="川卫许〔2026〕6号")).record.late


def test_an_enterprise_registered_elsewhere_goes_to_the_outbound_list(users):
    outside = make_credit_code("9", "1", "430102", "MA4L0001")
    item = submit(users, code=outside).record
    assert item.state == State.OUTBOUND and item.instance is None


def test_the_entry_form_reports_field_errors_and_saves_a_good_record(users, client):
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:record-entry") + "?type=permit").content.decode()
    assert "许可文件编号" in page and "许可机关" in page
    bad = client.post(
        reverse("workbench:record-entry"),
        {
            "record_type": "permit",
            "provider": "WJW",
            "credit_code": "123",
            "enterprise_name": "某公司",
            **permit(),
        },
    )
    assert bad.status_code == 422 and "统一社会信用代码" in bad.content.decode()
    assert not CollectedRecord.objects.exists()
    with time_machine.travel(NOW, tick=True):
        good = client.post(
            reverse("workbench:record-entry"),
            {
                "record_type": "permit",
                "provider": "WJW",
                "credit_code": CODE,
                "enterprise_name": "某公司",
                **permit(),
            },
        )
    item = CollectedRecord.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse("workbench:record", args=[item.pk])
    assert item.channel == CollectedRecord.Channel.FORM and item.state == State.PUBLISHED


def test_a_permit_granted_through_the_registration_push_becomes_a_published_permit_record(users):
    from casework.lifecycles.registration_push.services import SYSTEM, receive_registration

    with time_machine.travel(NOW, tick=False):
        registration, _ = receive_registration(
            event_id="E-permit-0001",
            credit_code=make_credit_code("9", "1", "510800", "MA6KP001"),
            name="广元市某培训学校有限公司",
            business_scope="文化教育培训（不含学历教育）",  # routes to 教育 (JYJ)
            authority_code="SCJG",
            registered_on=date(2026, 11, 2),
            actor=SYSTEM,
        )
        case = registration.instance
        claim = HumanTask.objects.get(instance=case, bpmn_id="claim_or_return")
        engine.claim_task(task_id=claim.pk, user=users["officer_jy"])
        engine.complete_task(task_id=claim.pk, user=users["officer_jy"], data={"claim_decision": "claim"})
        feedback = HumanTask.objects.get(instance=case, bpmn_id="permit_feedback")
        engine.complete_task(
            task_id=feedback.pk,
            user=users["officer_jy"],
            data={
                "permit_decision": "granted",
                "decision_date": "2026-10-30",
                "permit_number": "教民〔2026〕8号",
                "permit_name": "民办学校办学许可证",
                "valid_from": "2026-10-30",
                "valid_to": "2031-10-29",
                "permit_authority": "广元市教育局",
                "permit_content": "文化教育培训",
            },
        )
    item = CollectedRecord.objects.get(document_number="教民〔2026〕8号")
    assert item.channel == CollectedRecord.Channel.PUSH and item.provider.code == "JYJ"
    assert item.state == State.PUBLISHED and item.enterprise == registration.enterprise
    assert item.values["permit_name"] == "民办学校办学许可证"


def test_an_officer_reports_only_for_their_own_department(users):
    with pytest.raises(services.Forbidden, match="卫生健康委员会"):
        with time_machine.travel(NOW, tick=False):
            services.submit_record(
                provider=Department.objects.get(code="WJW"),
                record_type="permit",
                credit_code=CODE,
                enterprise_name="某公司",
                values=permit(),
                actor=users["officer_jy"],
            )
    assert not CollectedRecord.objects.exists()


RAW_ID = "510802198803150014"


def test_the_portal_shows_published_records_masked_and_never_a_raw_id(users, client):
    values = permit(
        legal_representative="王建国",
        legal_representative_id=RAW_ID,
        permit_content=f"负责人身份证 {RAW_ID}，电话 13981234567",
    )
    submit(users, values)
    submit(users, permit(permit_number="川卫许〔2026〕102号", permit_name="待补正许可", permit_authority=""))
    page = client.get(reverse("portal:enterprise", args=[CODE])).content.decode()
    assert "医疗机构执业许可证" in page and "川卫许〔2026〕101号" in page and "广元市卫生健康委员会" in page
    assert RAW_ID not in page and "13981234567" not in page
    assert "510***********0014" in page and "139****4567" in page
    assert "待补正许可" not in page  # returned for 补正: not published
    found = client.get(reverse("portal:search"), {"q": "仁心门诊"}).content.decode()
    assert CODE in found


def test_an_archived_record_leaves_the_portal(users, client):
    submit(users, permit(valid_to="2026-11-30"))
    with time_machine.travel(local(2026, 12, 1, 9, 0), tick=False):
        engine.fire_due_timers()
    page = client.get(reverse("portal:enterprise", args=[CODE])).content.decode()
    assert "川卫许〔2026〕101号" not in page


def test_an_admin_publishes_a_new_version_of_the_format_spec(users, admin_client):
    import json

    first = services.current_format()
    page = admin_client.get(
        "/admin/collection/recordformat/add/".replace("collection", "casework")
    ).content.decode()
    assert "permit_number" in page  # starts from the current spec
    types = json.loads(json.dumps(first.types))
    broken = [dict(types[0], document_field="no_such_field"), *types[1:]]
    refused = admin_client.post(
        "/admin/casework/recordformat/add/", {"types": json.dumps(broken, ensure_ascii=False), "note": "试改"}
    )
    assert refused.status_code == 200 and services.current_format().version == first.version
    permit_spec = next(t for t in types if t["code"] == "permit")
    permit_spec["fields"].append(
        {"name": "permit_scope", "label": "许可范围", "type": "text", "required": False}
    )
    admin_client.post(
        "/admin/casework/recordformat/add/",
        {"types": json.dumps(types, ensure_ascii=False), "note": "许可增加许可范围"},
    )
    latest = services.current_format()
    assert latest.version == first.version + 1 and latest.note == "许可增加许可范围"
    assert any(f["name"] == "permit_scope" for f in services.type_spec("permit")["fields"])
    assert AuditEvent.objects.filter(action="record_format_published").count() == 1


LISTING = {
    "listing_document_number": "广市监异〔2026〕31号",
    "listing_reason": "unreachable",
    "listing_date": "2026-10-30",
    "listing_authority": "广元市市场监督管理局",
}


def test_an_abnormal_list_entry_stays_public_until_its_removal_is_reported(users):
    listed = submit(users, LISTING, record_type="abnormal_list", provider="WJW").record
    assert listed.state == State.PUBLISHED and listed.archive_on is None
    removal = {
        **LISTING,
        "removal_document_number": "广市监移〔2026〕5号",
        "removal_reason": "reachable",
        "removal_date": "2026-11-02",
        "removal_authority": "广元市市场监督管理局",
    }
    with pytest.raises(services.RecordRefused, match="晚于今天"):
        submit(users, {**removal, "removal_date": "2026-11-20"}, record_type="abnormal_list")
    removed = submit(users, removal, record_type="abnormal_list").record
    assert removed.pk == listed.pk and removed.state == State.ARCHIVED and removed.version == 2
    assert removed.archive_on == date(2026, 11, 2)
    assert [v.note for v in selectors.versions_of(removed)] == ["移出/终止公示", "首次归集"]
    assert list(selectors.published_for(CODE)) == []


def test_a_removal_before_the_period_ends_archives_once(users):
    """严重违法失信名单: public 3 years or until removal. A removal ends it at once; the case's
    timer, still set for the 3 years, later finds the record archived and changes nothing."""
    listing = {
        "listing_document_number": "广市监严〔2026〕3号",
        "listing_reason": "提交虚假材料取得登记",
        "listing_date": "2026-10-30",
        "listing_authority": "广元市市场监督管理局",
    }
    listed = submit(users, listing, record_type="serious_violation", provider="WJW").record
    assert listed.state == State.PUBLISHED and listed.archive_on is not None
    removal = {
        **listing,
        "removal_document_number": "广市监移〔2026〕8号",
        "removal_reason": "信用修复",
        "removal_date": "2026-11-02",
        "removal_authority": "广元市市场监督管理局",
    }
    removed = submit(users, removal, record_type="serious_violation").record
    assert removed.state == State.ARCHIVED
    archived_at = removed.archived_at
    with time_machine.travel(local(2029, 12, 1, 9, 0), tick=False):
        engine.fire_due_timers()
    removed.refresh_from_db()
    assert removed.state == State.ARCHIVED and removed.archived_at == archived_at
    archived = AuditEvent.objects.filter(action="record_archived", payload__record_id=removed.pk)
    assert archived.count() == 1


def test_a_stored_v1_spec_gets_the_v2_result_code_as_a_new_version(db):
    import copy
    import importlib

    from django.apps import apps

    from casework.lifecycles.collection import record_types
    from casework.lifecycles.collection.models import RecordFormat

    v1 = copy.deepcopy(record_types.RECORD_TYPES)
    result = next(
        f for s in v1 if s["code"] == "inspection_result" for f in s["fields"] if f["name"] == "result"
    )
    result["choices"] = [c for c in result["choices"] if c["code"] != "pending_follow_up"]
    RecordFormat.objects.create(version=1, types=v1, note="内置格式规范")
    importlib.import_module("casework.migrations.0019_record_format_v2").publish_v2(apps, None)
    latest = services.current_format()
    assert latest.version == 2 and RecordFormat.objects.get(version=1).types == v1
    spec = services.type_spec("inspection_result", latest)
    codes = [c["code"] for f in spec["fields"] if f["name"] == "result" for c in f["choices"]]
    assert codes[-1] == "pending_follow_up"


UNLICENSED = {
    "case_number": "广市监无照〔2026〕12号",
    "violation_kind": "no_license",
    "party_name": "王某某",
    "party_id_number": "510802198807121237",
    "business_address": "广元市利州区东坝街道某路口流动摊位",
    "activity": "未取得营业执照从事烧烤经营",
    "found_date": "2026-10-29",
    "authority": "广元市市场监督管理局",
    "measure": "stop",
}


def test_an_unlicensed_party_without_a_credit_code_is_collected_and_never_published(users, client):
    """无证无照经营查处 (seed 004): the party often has no licence and so no credit code."""
    item = submit(users, UNLICENSED, record_type="unlicensed_operation", code="", provider="WJW")
    assert item.record.credit_code == "" and item.record.enterprise_id is None
    assert item.record.state == State.NOT_PUBLIC and not item.record.errors, item.record.errors
    item.record.instance.refresh_from_db()
    assert item.record.instance.status == ProcessInstance.Status.COMPLETED
    with pytest.raises(services.RecordRefused, match="无法识别"):  # the case number still identifies it
        submit(
            users,
            {**UNLICENSED, "case_number": ""},
            record_type="unlicensed_operation",
            code="",
            provider="WJW",
        )
    # Any other type still needs the code.
    permit_record = submit(users, permit(permit_number="川卫许〔2026〕102号"), code="").record
    assert permit_record.state == State.RETURNED and "credit_code" in permit_record.errors
    # With a code, the same type is published under the enterprise like any other.
    coded = submit(
        users,
        {**UNLICENSED, "case_number": "广市监无照〔2026〕13号"},
        record_type="unlicensed_operation",
        provider="WJW",
    ).record
    assert coded.state == State.PUBLISHED
