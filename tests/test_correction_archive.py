"""更正 that moves the end of publication (bpmn/collection.bpmn, 等待公示期满或期限变更): the record's
collection case waits at an event-based gateway for its 公示期满 timer or the message
``collection_period_changed``; an agreed correction of 有效期至 sends it the new end, so the record
is archived at the corrected date — earlier, later, at once when already past, or never (长期有效).
A case started on the model before the message existed keeps its first date, audited."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from lxml import etree

from casework.lifecycles.collection import correction, services
from casework.lifecycles.collection.models import CollectedRecord
from casework.organization.models import Department
from processes import engine
from processes.deploy import bpmn_dir, deploy_bpmn
from processes.models import AuditEvent, ProcessInstance

from .conftest import BPMN_DIR, local
from .test_correction import CODE, NOW, complete, open_task, permit, proposal

pytestmark = pytest.mark.django_db
State = CollectedRecord.State


def publish(users, **values) -> CollectedRecord:
    with time_machine.travel(NOW, tick=False):
        item = services.submit_record(
            provider=Department.objects.get(code="WJW"),
            record_type="permit",
            credit_code=CODE,
            enterprise_name="广元市仁心门诊部有限公司",
            values=permit(**values),
            actor=users["officer_wj"],
        ).record
    assert item.state == State.PUBLISHED
    return item


def correct(users, item: CollectedRecord, **values) -> None:
    """The provider corrects ``values`` and 市场监管 (reviewer_sc) agrees, on ``LATER``."""
    with time_machine.travel(NOW, tick=False):
        found = correction.open_correction(item=item, reason="有效期有误", actor=users["officer_wj"])
    complete(open_task(found, "submit_correction"), users["officer_wj"], proposal(**values))
    complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})


def sweep_at(*moment) -> CollectedRecord.State:
    with time_machine.travel(local(*moment), tick=False):
        engine.fire_due_timers()
    return CollectedRecord.objects.get().state


def test_a_correction_that_ends_publication_earlier_archives_at_the_new_date(users):
    item = publish(users)  # valid to 2031-10-29
    correct(users, item, valid_to="2026-11-20")

    item.refresh_from_db()
    assert item.archive_on == date(2026, 11, 20) and item.state == State.PUBLISHED
    case = item.instance
    case.refresh_from_db()
    assert case.next_timer_at == local(2026, 11, 20, 23, 59, 59)
    moved = AuditEvent.objects.get(action="record_archive_moved")
    assert moved.actor == users["reviewer_sc"]
    assert moved.payload["archive_on_before"] == "2031-10-29" and moved.payload["archive_on"] == "2026-11-20"

    assert sweep_at(2026, 11, 20, 12, 0) == State.PUBLISHED
    assert sweep_at(2026, 11, 21, 9, 0) == State.ARCHIVED
    case.refresh_from_db()
    assert case.status == ProcessInstance.Status.COMPLETED


def test_a_correction_that_extends_publication_does_not_archive_at_the_old_date(users):
    item = publish(users, valid_to="2026-11-30")
    correct(users, item, valid_to="2027-06-30")

    assert sweep_at(2026, 12, 1, 9, 0) == State.PUBLISHED  # the first end has passed: still public
    item.refresh_from_db()
    assert item.archive_on == date(2027, 6, 30)
    assert sweep_at(2027, 7, 1, 9, 0) == State.ARCHIVED


def test_an_end_already_past_archives_at_once(users):
    item = publish(users)
    correct(users, item, valid_to="2026-11-01")  # agreed on 11-03: the corrected end is behind us

    item.refresh_from_db()
    assert item.state == State.ARCHIVED and item.archive_on == date(2026, 11, 1)
    assert item.instance.status == ProcessInstance.Status.COMPLETED
    assert AuditEvent.objects.filter(action="record_archived", payload__record_id=item.pk).exists()


def test_a_correction_to_indefinite_validity_keeps_it_public_until_removed(users):
    item = publish(users, valid_to="2026-11-30")
    correct(users, item, valid_to=None)  # 长期有效: no end of publication

    item.refresh_from_db()
    assert item.archive_on is None
    item.instance.refresh_from_db()
    assert item.instance.status == ProcessInstance.Status.COMPLETED  # 持续公示至移出
    assert item.instance.next_timer_at is None
    assert sweep_at(2027, 1, 1, 9, 0) == State.PUBLISHED


def test_a_case_on_the_model_before_the_change_keeps_its_first_date_and_says_so(users):
    old = deploy_bpmn(
        xml=(BPMN_DIR / "collection_before_period_change.bpmn").read_text(encoding="utf-8"),
        source_name="collection.bpmn",
    ).version
    item = publish(users, valid_to="2026-11-30")
    assert item.instance.process_version == old
    deploy_bpmn(xml=(bpmn_dir() / "collection.bpmn").read_text(encoding="utf-8"))  # the current one again
    correct(users, item, valid_to="2026-11-20")

    item.refresh_from_db()
    assert item.archive_on == date(2026, 11, 20)  # the record says the new end …
    kept = AuditEvent.objects.get(action="record_archive_not_moved")
    assert kept.actor == users["reviewer_sc"] and "原期满日" in kept.payload["reason"]
    assert not AuditEvent.objects.filter(action="record_archive_moved").exists()
    assert sweep_at(2026, 11, 21, 9, 0) == State.PUBLISHED  # … the old case archives at the old one
    assert sweep_at(2026, 12, 1, 9, 0) == State.ARCHIVED


def test_a_correction_that_leaves_the_end_alone_sends_nothing(users):
    item = publish(users)
    correct(users, item, permit_content="诊疗科目：内科、外科、口腔科")
    assert not AuditEvent.objects.filter(action__startswith="record_archive_").exists()
    item.refresh_from_db()
    assert item.state == State.PUBLISHED
    assert item.instance.status == ProcessInstance.Status.RUNNING


def test_the_collection_diagram_draws_every_element_and_flow():
    """bpmn-js renders only what has DI: every flow node and sequence flow has its shape / edge."""
    root = etree.parse(str(bpmn_dir() / "collection.bpmn")).getroot()
    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    process = root.find("bpmn:process", ns)
    elements = {
        el.get("id")
        for el in process
        if el.get("id") and etree.QName(el).localname not in ("documentation", "extensionElements")
    }
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", ns)} | {
        el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", ns)
    }
    assert elements - drawn == set()
    assert drawn - elements == set()
    gateway = process.find("bpmn:eventBasedGateway[@id='gw_wait_period']", ns)
    assert gateway.get("name") == "等待公示期满或期限变更"
    assert {re.sub("^f_to_", "", f.text) for f in gateway.iterfind("bpmn:outgoing", ns)} == {
        "period_ends",
        "period_changed",
    }


def test_the_abnormal_list_still_ends_until_removed_and_its_removal_archives(users):
    listing = {
        "listing_document_number": "广市监异〔2026〕31号",
        "listing_reason": "unreachable",
        "listing_date": "2026-10-30",
        "listing_authority": "广元市市场监督管理局",
    }
    submitted = dict(
        provider=Department.objects.get(code="WJW"),
        record_type="abnormal_list",
        credit_code=CODE,
        enterprise_name="广元市仁心门诊部有限公司",
        actor=users["officer_wj"],
    )
    with time_machine.travel(NOW, tick=False):
        listed = services.submit_record(values=listing, **submitted).record
    assert listed.state == State.PUBLISHED and listed.archive_on is None
    assert listed.instance.status == ProcessInstance.Status.COMPLETED  # 持续公示至移出: no timer waits
    removal = {
        **listing,
        "removal_document_number": "广市监移〔2026〕5号",
        "removal_reason": "reachable",
        "removal_date": "2026-11-02",
        "removal_authority": "广元市市场监督管理局",
    }
    with time_machine.travel(NOW, tick=False):
        removed = services.submit_record(values=removal, **submitted).record
    assert removed.state == State.ARCHIVED and removed.archive_on == date(2026, 11, 2)
