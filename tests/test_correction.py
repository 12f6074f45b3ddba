"""归集公示 更正 (bpmn/error_correction.bpmn): a published record found wrong — by its provider, by a
public objection or by the platform operator — is corrected by its provider within clock("correct")
and applied once the area's 市场监管 reviewer agrees: a new version (更正), still published, the
portal shows it, every version kept, the objector's receipt shows the outcome."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.collection import correction, public, selectors, services
from casework.lifecycles.collection.correction_forms import SubmitCorrectionForm
from casework.lifecycles.collection.forms import spec_fields
from casework.lifecycles.collection.models import CollectedRecord, RecordCorrection
from casework.organization.models import Department
from casework.portal import services as portal
from casework.portal.models import Objection
from processes import engine
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 2, 10, 0)  # Monday
LATER = local(2026, 11, 3, 10, 0)
CODE = make_credit_code("9", "1", "510802", "MA6D0G21")
Stage = RecordCorrection.State


def permit(**overrides) -> dict:
    values = {
        "permit_number": "川卫许〔2026〕201号",
        "permit_name": "医疗机构执业许可证",
        "decision_date": "2026-10-30",
        "valid_from": "2026-10-30",
        "valid_to": "2031-10-29",
        "permit_authority": "广元市卫生健康委员会",
        "permit_content": "诊疗科目：内科、外科",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def published(users) -> CollectedRecord:
    with time_machine.travel(NOW, tick=False):
        item = services.submit_record(
            provider=Department.objects.get(code="WJW"),
            record_type="permit",
            credit_code=CODE,
            enterprise_name="广元市仁心门诊部有限公司",
            values=permit(),
            actor=users["officer_wj"],
        ).record
    assert item.state == CollectedRecord.State.PUBLISHED
    return item


def open_task(found: RecordCorrection, bpmn_id: str) -> HumanTask:
    return HumanTask.objects.get(instance=found.instance, bpmn_id=bpmn_id, state=HumanTask.State.OPEN)


def complete(task: HumanTask, user, data: dict, *, at=LATER) -> None:
    with time_machine.travel(at, tick=False):
        engine.claim_task(task_id=task.pk, user=user)
        engine.complete_task(task_id=task.pk, user=user, data=data)


def proposal(decision="correct", note="许可内容漏录“口腔科”", **values) -> dict:
    fields = {f"v_{k}": v for k, v in permit(**values).items()}
    return {"correction_decision": decision, "correction_note": note, **fields}


def portal_page(client) -> str:
    return client.get(reverse("portal:enterprise", args=[CODE])).content.decode()


def test_the_provider_finds_an_error_and_the_corrected_version_is_published_with_its_history(
    client, users, published
):
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:record", args=[published.pk])).content.decode()
    assert "发现错误，申请更正" in page
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("workbench:record-correct", args=[published.pk]), {"reason": "许可内容漏录口腔科"}
        )
    assert response.status_code == 302
    found = RecordCorrection.objects.get(record=published)
    assert found.origin == RecordCorrection.Origin.PROVIDER and found.reviewer_department == "SCJG"
    assert "更正办理中" in client.get(reverse("workbench:record", args=[published.pk])).content.decode()

    submit = open_task(found, "submit_correction")
    assert (submit.candidate_department, submit.candidate_role) == ("WJW", "officer")
    complete(submit, users["officer_wj"], proposal(permit_content="诊疗科目：内科、外科、口腔科"))
    found.refresh_from_db()
    assert found.state == Stage.REVIEWING and found.decision == "correct"
    published.refresh_from_db()
    assert published.version == 1  # nothing changes before 市场监管 agrees
    assert "口腔科" not in portal_page(client)

    review = open_task(found, "review_correction")
    assert (review.candidate_department, review.candidate_role) == ("SCJG", "reviewer")
    client.force_login(users["reviewer_sc"])
    page = client.get(reverse("workbench:task", args=[review.pk])).content.decode()
    assert "诊疗科目：内科、外科、口腔科" in page and "许可内容漏录“口腔科”" in page
    complete(review, users["reviewer_sc"], {"correction_review": "agree"})

    published.refresh_from_db()
    found.refresh_from_db()
    assert published.state == CollectedRecord.State.PUBLISHED
    assert published.values["permit_content"] == "诊疗科目：内科、外科、口腔科"
    assert [(v.version, v.note) for v in selectors.versions_of(published)] == [(2, "更正"), (1, "首次归集")]
    assert selectors.versions_of(published)[1].values["permit_content"] == "诊疗科目：内科、外科"
    assert (found.state, found.from_version, found.to_version) == (Stage.CORRECTED, 1, 2)
    assert found.instance.status == ProcessInstance.Status.COMPLETED
    assert "诊疗科目：内科、外科、口腔科" in portal_page(client)
    assert AuditEvent.objects.filter(action="record_amended", actor=users["reviewer_sc"]).exists()
    assert selectors.versions_of(published)[0].submitted_by == users["officer_wj"]  # whose proposal it was


def test_an_objection_opens_a_correction_and_the_objector_sees_the_outcome(client, users, published):
    shown = next(r for r in public.public_records(CODE) if r.record_id == f"collected:{published.pk}")
    with time_machine.travel(NOW, tick=False):
        objection = portal.submit_objection(
            public_record=shown,
            credit_code=CODE,
            enterprise_name=published.enterprise_name,
            data={
                "contact_name": "张三",
                "phone": "13800001234",
                "email": "zhangsan@example.com",
                "description": "本诊所已取得外科执业范围变更，公示的有效期也有误",
            },
        )
    objection.refresh_from_db()
    assert objection.state == Objection.State.HANDLING
    found = RecordCorrection.objects.get(record=published)
    assert found.origin == RecordCorrection.Origin.OBJECTION and found.objection == objection
    assert "有效期也有误" in found.reason

    complete(open_task(found, "submit_correction"), users["officer_wj"], proposal(valid_to="2031-12-31"))
    complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})

    objection.refresh_from_db()
    published.refresh_from_db()
    assert objection.state == Objection.State.CLOSED
    assert "已更正该条公示信息（第 2 版" in objection.outcome and "漏录" in objection.outcome
    assert published.values["valid_to"] == "2031-12-31" and str(published.archive_on) == "2031-12-31"
    assert [v.note for v in selectors.versions_of(published)] == ["更正", "首次归集"]
    assert "2031-12-31" in portal_page(client)
    receipt = client.get(reverse("portal:receipt", args=[objection.receipt])).content.decode()
    assert "已办结" in receipt and "已更正该条公示信息" in receipt


def test_verified_correct_changes_nothing_and_answers_the_objection(users, published):
    shown = public.public_records(CODE)[0]
    with time_machine.travel(NOW, tick=False):
        objection = portal.submit_objection(
            public_record=shown,
            credit_code=CODE,
            enterprise_name=published.enterprise_name,
            data={"contact_name": "李四", "phone": "13800005678", "description": "许可证号不对"},
        )
    found = RecordCorrection.objects.get(objection=objection)
    submit = open_task(found, "submit_correction")
    with time_machine.travel(LATER, tick=False):
        engine.claim_task(task_id=submit.pk, user=users["officer_wj"])
        # 提交更正 with the published values unchanged is refused: that is 核实无误.
        with pytest.raises(Exception, match="核实无误"):
            engine.complete_task(task_id=submit.pk, user=users["officer_wj"], data=proposal())
        engine.complete_task(
            task_id=submit.pk,
            user=users["officer_wj"],
            data={"correction_decision": "confirm", "correction_note": "经核对许可档案，许可证号无误"},
        )
    complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})

    found.refresh_from_db()
    published.refresh_from_db()
    objection.refresh_from_db()
    assert found.state == Stage.CONFIRMED and found.proposed == {} and found.to_version is None
    assert published.version == 1 and published.versions.count() == 1
    assert objection.state == Objection.State.CLOSED
    assert objection.outcome.startswith("经核实，该条公示信息无误") and "许可档案" in objection.outcome


def test_the_correct_clock_gives_three_working_days_then_escalates(users, published):
    with time_machine.travel(NOW, tick=False):
        found = correction.open_correction(item=published, reason="许可内容有误", actor=users["admin"])
    assert found.origin == RecordCorrection.Origin.OPERATOR
    submit = open_task(found, "submit_correction")
    assert submit.due_clock == "correct" and "湘商改〔2016〕7号 第十八条" in submit.due_basis
    assert submit.due_at == local(2026, 11, 5, 23, 59, 59)  # Monday + 3 working days

    with time_machine.travel(local(2026, 11, 5, 23, 0), tick=False):
        engine.fire_due_timers()
    assert not ProcessInstance.objects.filter(case_type="efficiency_supervision").exists()
    with time_machine.travel(local(2026, 11, 6, 9, 0), tick=False):
        engine.fire_due_timers()
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 1
    submit.refresh_from_db()
    assert submit.state == HumanTask.State.OPEN and submit.escalation_level == 1  # still the provider's


def test_market_supervision_sends_it_back_and_nothing_changes_until_it_agrees(client, users, published):
    with time_machine.travel(NOW, tick=False):
        found = correction.open_correction(item=published, reason="许可内容有误", actor=users["officer_wj"])
    complete(
        open_task(found, "submit_correction"), users["officer_wj"], proposal(permit_content="诊疗科目：全科")
    )
    complete(
        open_task(found, "review_correction"),
        users["reviewer_sc"],
        {"correction_review": "send_back", "correction_review_reason": "请附变更后的执业许可证"},
    )
    found.refresh_from_db()
    published.refresh_from_db()
    assert found.state == Stage.SUBMITTING and found.review_reason == "请附变更后的执业许可证"
    assert published.version == 1 and published.values["permit_content"] == "诊疗科目：内科、外科"
    again = open_task(found, "submit_correction")
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:task", args=[again.pk])).content.decode()
    assert "请附变更后的执业许可证" in page
    form = SubmitCorrectionForm(human_task=again)
    assert form.fields["v_permit_content"].initial == "诊疗科目：全科"  # the last proposal, to amend

    complete(again, users["officer_wj"], proposal(permit_content="诊疗科目：全科（附变更证明）"))
    complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})
    published.refresh_from_db()
    assert published.version == 2 and published.values["permit_content"] == "诊疗科目：全科（附变更证明）"


def test_another_department_cannot_open_a_correction_of_someone_elses_record(client, users, published):
    with pytest.raises(Exception, match="本部门报送"):
        correction.open_correction(item=published, reason="不对", actor=users["officer_jy"])
    with pytest.raises(Exception, match="本部门报送"):
        correction.open_correction(item=published, reason="不对", actor=users["reviewer_sc"])
    client.force_login(users["officer_jy"])
    response = client.post(reverse("workbench:record-correct", args=[published.pk]), {"reason": "不对"})
    assert response.status_code == 404
    assert not RecordCorrection.objects.exists()


def test_one_correction_at_a_time_and_a_later_objection_waits_for_the_operator(client, users, published):
    with time_machine.travel(NOW, tick=False):
        first = correction.open_correction(item=published, reason="许可内容有误", actor=users["officer_wj"])
        with pytest.raises(Exception, match="正在办理的更正"):
            correction.open_correction(item=published, reason="又一处", actor=users["officer_wj"])
        objection = portal.submit_objection(
            public_record=public.public_records(CODE)[0],
            credit_code=CODE,
            enterprise_name=published.enterprise_name,
            data={"contact_name": "王五", "phone": "13800009999", "description": "有效期不对"},
        )
    objection.refresh_from_db()
    assert objection.state == Objection.State.RECEIVED  # waits; the open case goes on
    complete(
        open_task(first, "submit_correction"), users["officer_wj"], proposal(permit_content="诊疗科目：内科")
    )
    complete(open_task(first, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})

    client.force_login(users["admin"])
    page = client.get(reverse("workbench:record", args=[published.pk])).content.decode()
    assert objection.number in page and "发起更正" in page
    client.post(reverse("workbench:record-correct", args=[published.pk]), {"objection": objection.pk})
    objection.refresh_from_db()
    second = RecordCorrection.objects.get(objection=objection)
    assert objection.state == Objection.State.HANDLING and second.origin == RecordCorrection.Origin.OBJECTION
    assert second.reason == "有效期不对" and second.from_version == 2


def test_a_choice_field_of_the_spec_offers_its_labels_and_sends_its_codes():
    spec = services.type_spec("penalty")
    choices = dict(spec_fields(spec)["procedure"].choices)  # type: ignore[attr-defined]
    assert choices["ordinary"] == "普通程序" and "code" not in choices


def test_choice_values_read_as_their_labels_on_the_record_and_in_the_review(client, users):
    penalty = {
        "penalty_number": "广卫罚〔2026〕46号",
        "violation_type": "未按规定开展消毒管理",
        "procedure": "ordinary",
        "penalty_kind": "fine",
        "penalty_content": "罚款5000元",
        "fine_amount": "5000",
        "publication_class": "general",
        "decision_authority": "广元市卫生健康委员会",
        "decision_date": "2026-10-30",
    }
    with time_machine.travel(NOW, tick=False):
        item = services.submit_record(
            provider=Department.objects.get(code="WJW"),
            record_type="penalty",
            credit_code=CODE,
            enterprise_name="广元市仁心门诊部有限公司",
            values=penalty,
            actor=users["officer_wj"],
        ).record
        found = correction.open_correction(item=item, reason="处罚种类有误", actor=users["officer_wj"])
    client.force_login(users["officer_wj"])
    page = client.get(reverse("workbench:record", args=[item.pk])).content.decode()
    assert "普通程序" in page and "<dd>ordinary</dd>" not in page
    fields = {f"v_{k}": v for k, v in {**penalty, "penalty_kind": "confiscation"}.items()}
    complete(
        open_task(found, "submit_correction"),
        users["officer_wj"],
        {"correction_decision": "correct", "correction_note": "应为没收违法所得", **fields},
    )
    review = open_task(found, "review_correction")
    assert correction.compared(RecordCorrection.objects.get(pk=found.pk)) == [
        ("处罚种类", "罚款", "没收违法所得、没收非法财物")
    ]
    client.force_login(users["reviewer_sc"])
    assert (
        "没收违法所得、没收非法财物"
        in client.get(reverse("workbench:task", args=[review.pk])).content.decode()
    )
