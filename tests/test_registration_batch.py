"""A batch of registrations in one transaction: each item stands alone, nothing of a refused one stays."""

from datetime import date

import pytest
import time_machine
from django.core import mail

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.directory.services import InvalidEnterprise
from casework.errors import Forbidden
from casework.lifecycles.registration_push.intake import DuplicateEvent, InvalidRegistration
from casework.lifecycles.registration_push.models import Registration
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration, receive_registrations
from notifications.models import Notification
from processes.models import AuditEvent, HumanTask

from .conftest import local

pytestmark = pytest.mark.django_db

SCOPE = "餐饮服务；文化教育培训（不含学历教育）"  # → 510800-SP and JYJ


def item(event_id: str, serial: str, **changes) -> dict:
    base = {
        "event_id": event_id,
        "credit_code": make_credit_code("9", "1", "510800", serial),
        "name": f"广元市{serial}餐饮有限公司",
        "business_scope": SCOPE,
        "authority_code": "SCJG",
        "registered_on": date(2025, 11, 3),
    }
    return {**base, **changes}


def test_each_item_of_a_batch_stands_alone(users, django_capture_on_commit_callbacks):
    receive_registrations([item("OLD", "MA6C0000")], actor=SYSTEM)
    batch = [
        item("B1", "MA6C0001"),
        item("B2", "MA6C0002", authority_code="NOPE"),  # refused: unknown authority
        item("B3", "MA6C0003", credit_code="91510800MA6C"),  # refused: too short, after routing
        item("B1", "MA6C0001"),  # the same event twice in one batch
        item("OLD", "MA6C0000"),  # seen in an earlier batch
        item("OLD", "MA6C0000", authority_code="510800-SCJG-X"),  # someone else's event id
        item("B4", "MA6C0004", business_scope="会议服务"),  # matches no department: 公示认领
    ]
    with time_machine.travel(local(2025, 11, 3, 10, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            results = receive_registrations(batch, actor=SYSTEM)

    assert [(r.created, type(r.error).__name__ if r.error else "") for r in results] == [
        (True, ""),
        (False, "InvalidRegistration"),
        (False, "InvalidEnterprise"),
        (False, ""),
        (False, ""),
        (False, "DuplicateEvent"),
        (True, ""),
    ]
    assert isinstance(results[1].error, InvalidRegistration)
    assert results[1].error.details == {"registration_authority": ["未知的登记机关：NOPE"]}
    assert isinstance(results[2].error, InvalidEnterprise)
    assert isinstance(results[5].error, DuplicateEvent)
    assert results[3].registration == results[0].registration
    assert results[4].registration == Registration.objects.get(event_id="OLD")

    # Nothing of the refused items was kept, not even the audit rows or notices of B3's push.
    assert set(Registration.objects.values_list("event_id", flat=True)) == {"OLD", "B1", "B4"}
    assert (
        not Enterprise.objects.filter(credit_code__startswith="91510800MA6C")
        .exclude(credit_code__in=Registration.objects.values("enterprise__credit_code"))
        .exists()
    )
    assert not AuditEvent.objects.filter(payload__event_id="B3").exists()
    b1 = results[0].registration
    tasks = HumanTask.objects.filter(instance=b1.instance).order_by("candidate_department")
    assert [t.candidate_department for t in tasks] == ["510800-SP", "JYJ"]
    assert AuditEvent.objects.filter(instance=b1.instance, action="task_created").count() == 2
    assert AuditEvent.objects.filter(action="registration_received").count() == 3

    # Every new task's department heard of it, once, and the e-mail left after the commit.
    jy_task = tasks.get(candidate_department="JYJ")
    notices = Notification.objects.filter(dedupe_key=f"task-{jy_task.pk}")
    assert list(notices.values_list("recipient__username", flat=True)) == ["officer_jy"]
    assert notices.get().emailed_at is not None
    assert users["officer_jy"].email in {m.to[0] for m in mail.outbox}
    assert not Notification.objects.filter(link__contains="/tasks/0/").exists()


def test_a_batch_of_one_behaves_like_a_single_push(users):
    (result,) = receive_registrations([item("S1", "MA6C0011")], actor=SYSTEM)
    registration = Registration.objects.get(event_id="S1")
    assert result.created and result.registration == registration
    assert registration.instance.status == "running"
    assert registration.instance.version == 2
    assert AuditEvent.objects.filter(instance=registration.instance, action="instance_started").count() == 1


def test_an_item_refused_after_its_case_started_leaves_nothing(users, monkeypatch):
    from casework.lifecycles.registration_push import services as registrations
    from processes import engine
    from processes.errors import EngineError

    real_start = engine.start_process

    def start_then_refuse(**kwargs):
        instance = real_start(**kwargs)  # case, tasks, notices and audit rows are made ...
        if kwargs["business_key"] == "SGZ-R2":
            raise EngineError("推送被拒绝")  # ... and then the push is refused
        return instance

    monkeypatch.setattr(registrations.engine, "start_process", start_then_refuse)
    results = receive_registrations(
        [item("R1", "MA6C0021"), item("R2", "MA6C0022"), item("R3", "MA6C0023")], actor=SYSTEM
    )

    assert [r.created for r in results] == [True, False, True]
    assert str(results[1].error) == "推送被拒绝"
    assert set(Registration.objects.values_list("event_id", flat=True)) == {"R1", "R3"}
    assert not Enterprise.objects.filter(
        credit_code=make_credit_code("9", "1", "510800", "MA6C0022")
    ).exists()
    kept = set(HumanTask.objects.values_list("pk", flat=True))
    assert len(kept) == 4  # two departments for each of R1 and R3
    assert {n.dedupe_key for n in Notification.objects.all()} <= {f"task-{pk}" for pk in kept}
    assert (
        set(AuditEvent.objects.filter(action="task_created").values_list("human_task_id", flat=True)) == kept
    )
    assert not AuditEvent.objects.filter(
        payload__credit_code=make_credit_code("9", "1", "510800", "MA6C0022")
    )


def test_an_event_id_repeated_in_one_batch_with_other_content_is_refused(users):
    results = receive_registrations(
        [item("T1", "MA6C0031"), item("T1", "MA6C0031", registered_on=date(2025, 11, 4))], actor=SYSTEM
    )

    assert results[0].created and results[1].registration is None
    assert isinstance(results[1].error, DuplicateEvent)
    assert set(results[1].error.details) == {"event_id", "registered_on"}
    assert Registration.objects.get().registered_on == date(2025, 11, 3)


def test_a_registration_kept_before_fingerprints_is_compared_by_what_its_row_holds(users):
    receive_registrations([item("L1", "MA6C0041")], actor=SYSTEM)
    Registration.objects.update(fingerprint={})  # as received before the fingerprint was kept

    (replay,) = receive_registrations([item("L1", "MA6C0041")], actor=SYSTEM)
    (other_scope,) = receive_registrations([item("L1", "MA6C0041", business_scope="会议服务")], actor=SYSTEM)

    assert replay.error is None and replay.registration == Registration.objects.get()
    assert isinstance(other_scope.error, DuplicateEvent)
    assert set(other_scope.error.details) == {"event_id", "business_scope"}


def test_the_service_refuses_a_registrar_pushing_for_another_authority_or_outside_its_area(users):
    registrar, admin = users["registrar"], users["admin"]
    mianyang = item("P1", "MA6C0051", authority_code="510703-SCJG")

    with pytest.raises(Forbidden) as foreign:
        receive_registration(**mianyang, actor=registrar)
    with pytest.raises(Forbidden) as outside:
        receive_registration(**item("P2", "MA6C0052", division_code="510703"), actor=registrar)
    batch = receive_registrations([item("P3", "MA6C0053", authority_code="510703-SCJG")], actor=registrar)

    assert foreign.value.code == "forbidden" and "registration_authority" in foreign.value.details
    assert "辖区" in str(outside.value.details["division_code"])
    assert isinstance(batch[0].error, Forbidden)
    assert not Registration.objects.exists()
    registration, created = receive_registration(**mianyang, actor=admin)  # a superuser pushes for any
    assert created and registration.registration_authority.code == "510703-SCJG"


def test_replaying_another_authoritys_event_id_does_not_hand_out_its_registration(users):
    receive_registration(
        **item("Q1", "MA6C0061", authority_code="510703-SCJG", division_code="510703"), actor=SYSTEM
    )

    with pytest.raises(Forbidden):
        receive_registration(
            **item("Q1", "MA6C0061", authority_code="510703-SCJG", division_code="510703"),
            actor=users["registrar"],
        )


def test_a_push_naming_no_one_is_refused_not_waved_through(users):
    from django.contrib.auth.models import AnonymousUser

    for nobody in (None, AnonymousUser()):
        with pytest.raises(Forbidden) as refused:
            receive_registration(**item("N1", "MA6C0091"), actor=nobody)
        assert refused.value.code == "forbidden" and "actor" in refused.value.details
        (result,) = receive_registrations([item("N2", "MA6C0092")], actor=nobody)
        assert isinstance(result.error, Forbidden)
    assert not Registration.objects.exists()
