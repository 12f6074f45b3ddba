"""Notices survive a broker outage: committed work answers success, its e-mail waits in the outbox."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify_users
from notifications.tasks import send_notification_emails, send_pending_emails
from processes import queueing
from processes.models import ProcessMessage

from .test_registration_api import URL, body

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture
def unreachable_broker():
    """The Celery app really publishes, to a broker that refuses connections."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.task_always_eager = False
    app.conf.broker_url = CLOSED_PORT_BROKER
    app._pool = app.amqp._producer_pool = None  # connections are made again, to the new URL
    yield app
    queueing._broker_down_until = 0.0
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


@pytest.mark.django_db(transaction=True)
def test_registration_answers_created_while_the_broker_is_down_and_its_mail_waits(users, unreachable_broker):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from casework.organization.models import Department, Membership, Role

    food = get_user_model().objects.create(username="officer_sp", email="officer_sp@xtjg.example.gov.cn")
    Membership.objects.create(
        user=food, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['registrar']).key}")

    answer = client.post(URL, body(), format="json")

    assert answer.status_code == 201, answer.content[:500]
    pending = Notification.objects.filter(emailed_at__isnull=True).exclude(recipient__email="")
    assert pending.count() >= 1 and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_a_message_to_another_case_waits_for_the_sweep_when_the_broker_is_down(users, unreachable_broker):
    from processes import engine

    from .test_registration_push import PUSHED_AT, push

    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push(event_id="E-outage")
        target = registration.instance
        engine.post_message(target=target, name="nobody_waits_for_this", payload={})
    assert ProcessMessage.objects.filter(target=target, status=ProcessMessage.Status.PENDING).count() == 1


@pytest.mark.django_db
def test_after_one_failed_publish_the_process_leaves_jobs_to_the_sweep(
    users, unreachable_broker, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level("INFO", logger="processes.queueing")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[users["officer_wj"]], kind="info", title="第一条")
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[users["officer_jy"]], kind="info", title="第二条")
        notify_users(users=[users["supervisor"]], kind="info", title="第三条")

    messages = [r.getMessage() for r in caplog.records if r.name == "processes.queueing"]
    assert len(messages) == 3
    assert messages[0].startswith("broker unavailable")
    assert all(m.startswith("broker marked down") for m in messages[1:])
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 3


@pytest.mark.django_db
def test_the_sweep_sends_what_the_outbox_holds_once(
    users, unreachable_broker, django_capture_on_commit_callbacks
):
    officers = [users["officer_wj"], users["officer_jy"], users["supervisor"]]
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=officers, kind="info", title="中断期间的通知")
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 3 and not mail.outbox

    unreachable_broker.conf.task_always_eager = True  # the broker is back: beat runs the sweep
    assert send_pending_emails() == 0  # fresh rows still belong to their own job
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert send_pending_emails() == 3
        assert send_pending_emails() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in officers)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


class DatabaseAwayBackend(BaseEmailBackend):
    """The first attempt meets a database error (a connection dropped by a PostgreSQL restart)."""

    attempts = 0

    def send_messages(self, messages):
        DatabaseAwayBackend.attempts += 1
        if DatabaseAwayBackend.attempts == 1:
            raise OperationalError("server closed the connection unexpectedly")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_email_job_retries_after_a_transient_database_error(users, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DatabaseAwayBackend"
    DatabaseAwayBackend.attempts = 0
    notices = notify_users(users=[users["officer_wj"]], kind="info", title="数据库重启")

    send_notification_emails.apply(args=[[n.pk for n in notices]])

    assert DatabaseAwayBackend.attempts == 2 and len(mail.outbox) == 1
    assert Notification.objects.get(pk=notices[0].pk).emailed_at is not None


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses one address for good and accepts the rest."""

    refused = "officer_jy@xtjg.example.gov.cn"

    def send_messages(self, messages):
        for message in messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no such user")})
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_a_refused_address_fails_only_its_own_notice_and_nothing_is_sent_twice(users, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    officers = [users["officer_wj"], users["officer_jy"], users["supervisor"]]
    notices = notify_users(users=officers, kind="info", title="批量通知")

    send_notification_emails.apply(args=[[n.pk for n in notices]])
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert send_pending_emails() == 0  # nothing left that could be sent

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [users["officer_wj"].email, users["supervisor"].email]
    )
    refused = Notification.objects.get(recipient=users["officer_jy"])
    assert refused.emailed_at is None and "no such user" in refused.email_error
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 2


@pytest.mark.django_db
def test_a_title_with_a_line_break_is_mailed_on_one_subject_line(users):
    (notice,) = notify_users(users=[users["officer_wj"]], kind="info", title="公示认领：广元市甲\n乙公司")

    assert send_notification_emails.apply(args=[[notice.pk]]).get() == 1
    (message,) = mail.outbox
    assert message.subject == "[部门协同监管平台] 公示认领：广元市甲 乙公司"
    assert message.message()["Message-ID"] == f"<notification-{notice.pk}@xtjg.example.gov.cn>"
