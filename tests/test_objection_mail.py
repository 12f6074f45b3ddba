"""The objector is told by e-mail (issue 13: "the objector is notified of the outcome"): a receipt when
the objection is filed and the outcome when its correction is closed, both with the link to the
receipt page, to the address they left — through the notification outbox (rows without a recipient,
in nobody's inbox), so a broker that is down at the commit only delays them to the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from casework.lifecycles.collection import public, services
from casework.lifecycles.collection.models import CollectedRecord, RecordCorrection
from casework.organization.models import Department
from casework.portal import services as portal
from casework.portal.models import Objection
from notifications.models import Notification
from notifications.services import email_outside, notify_users
from notifications.tasks import send_pending_emails
from processes.models import AuditEvent

from .test_correction import CODE, NOW, complete, open_task, permit, proposal
from .test_email_outbox import unreachable_broker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
BASE = "https://gs.example.gov.cn"
ADDRESS = "zhangsan@example.com"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def published(users) -> CollectedRecord:
    with time_machine.travel(NOW, tick=False):
        return services.submit_record(
            provider=Department.objects.get(code="WJW"),
            record_type="permit",
            credit_code=CODE,
            enterprise_name="广元市仁心门诊部有限公司",
            values=permit(),
            actor=users["officer_wj"],
        ).record


def object_to(item: CollectedRecord, email: str = "") -> Objection:
    with time_machine.travel(NOW, tick=False):
        return portal.submit_objection(
            public_record=public.public_records(CODE)[0],
            credit_code=CODE,
            enterprise_name=item.enterprise_name,
            data={
                "contact_name": "张三",
                "phone": "13800001234",
                "email": email,
                "description": "公示的有效期有误",
            },
        )


def to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def receipt_url(objection: Objection) -> str:
    return BASE + reverse("portal:receipt", args=[objection.receipt])


def test_the_objector_gets_the_receipt_and_then_the_outcome_by_email(
    client, users, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        objection = object_to(published, ADDRESS)
    (receipt,) = to(ADDRESS)
    assert objection.number in receipt.subject and "异议已收到" in receipt.subject
    assert receipt_url(objection) in receipt.body and objection.number in receipt.body

    found = RecordCorrection.objects.get(objection=objection)
    with django_capture_on_commit_callbacks(execute=True):
        complete(open_task(found, "submit_correction"), users["officer_wj"], proposal(valid_to="2031-12-31"))
        complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})

    outcome = to(ADDRESS)[1]
    assert "异议办理结果" in outcome.subject and objection.number in outcome.subject
    assert "已更正该条公示信息（第 2 版" in outcome.body and receipt_url(objection) in outcome.body
    assert len(to(ADDRESS)) == 2
    objection.refresh_from_db()
    assert objection.state == Objection.State.CLOSED
    page = client.get(reverse("portal:receipt", args=[objection.receipt])).content.decode()
    assert "已办结" in page and "已更正该条公示信息" in page

    closed = AuditEvent.objects.get(action="objection_closed")
    assert closed.instance == found.instance and closed.payload["outcome"] == RecordCorrection.State.CORRECTED
    assert closed.payload["emailed"] is True
    for event in AuditEvent.objects.filter(action__startswith="objection_"):
        assert ADDRESS not in str(event.payload) and "13800001234" not in str(event.payload)
        assert "张三" not in str(event.payload)
    # Outside e-mails are no one's notices.
    assert Notification.objects.filter(recipient__isnull=True, email_to=ADDRESS).count() == 2


def test_a_confirmed_record_tells_the_objector_too(users, published, django_capture_on_commit_callbacks):
    objection = object_to(published, ADDRESS)
    found = RecordCorrection.objects.get(objection=objection)
    confirm = {"correction_decision": "confirm", "correction_note": "经核对许可档案，有效期无误"}
    with django_capture_on_commit_callbacks(execute=True):
        complete(open_task(found, "submit_correction"), users["officer_wj"], confirm)
        complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})
    (outcome,) = [m for m in to(ADDRESS) if "异议办理结果" in m.subject]
    assert "该条公示信息无误" in outcome.body and "许可档案" in outcome.body


def test_no_address_no_email(users, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        objection = object_to(published)
        found = RecordCorrection.objects.get(objection=objection)
        complete(open_task(found, "submit_correction"), users["officer_wj"], proposal(valid_to="2031-12-31"))
        complete(open_task(found, "review_correction"), users["reviewer_sc"], {"correction_review": "agree"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.CLOSED
    assert not Notification.objects.filter(recipient__isnull=True).exists()
    assert not [m for m in mail.outbox if "异议" in m.subject]
    assert AuditEvent.objects.get(action="objection_closed").payload["emailed"] is False


def test_the_sweep_sends_the_objector_what_the_broker_missed(
    users,
    published,
    unreachable_broker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(NOW, tick=False):
        objection = object_to(published, ADDRESS)
        with transaction.atomic():
            portal.close_objection(objection, "经核实，已更正。", correction_id=0)
    assert not mail.outbox
    waiting = Notification.objects.filter(recipient__isnull=True, emailed_at__isnull=True)
    assert waiting.count() == 2

    unreachable_broker.conf.task_always_eager = True  # the broker is back: beat runs the sweep
    with time_machine.travel(NOW + timedelta(minutes=2)):
        assert send_pending_emails() >= 2
        assert send_pending_emails() == 0
    mails = to(ADDRESS)
    assert len(mails) == 2 and "经核实，已更正。" in mails[1].body + mails[0].body
    assert not waiting.exists()


def test_an_outside_email_is_in_no_inbox_and_breaks_no_page(
    users, client, django_capture_on_commit_callbacks
):
    officer = users["officer_wj"]
    notify_users(users=[officer], kind="info", title="站内通知")
    with django_capture_on_commit_callbacks(execute=True):
        sent = email_outside(address=ADDRESS, title="外部邮件", body="正文", link="/gs/", dedupe_key="k1")
        assert (
            email_outside(address=ADDRESS, title="外部邮件", body="正文", link="/gs/", dedupe_key="k1")
            is None
        )
        assert email_outside(address="", title="无地址") is None
    assert sent is not None and sent.recipient is None
    assert [m.body for m in to(ADDRESS)] == [f"正文\n\n{BASE}/gs/"]

    client.force_login(officer)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200 and "外部邮件" not in page.content.decode()
    assert client.get("/workbench/queue/").context["unread_notifications"] == 1
    listed = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in listed["results"]] == ["站内通知"]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    client.post(reverse("notifications:mark-read"))
    sent.refresh_from_db()
    assert sent.read_at is None
    assert not Notification.objects.inbox_of(AnonymousUser()).exists()


def test_a_notice_is_for_a_user_or_an_outside_address(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="info", title="无人")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=users["officer_wj"], email_to=ADDRESS, kind="info", title="两者"
        )
