"""In-app notices and their e-mail, retried when the mail server fails."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notifications.models import Notification
from notifications.services import mark_read, notify_users
from notifications.tasks import send_notification_email

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseEmailBackend):
    """A mail backend whose server refuses the first two connections."""

    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.attempts <= 2:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


def test_notice_is_created_once_per_event_and_emailed(users, django_capture_on_commit_callbacks):
    officer = users["officer_wj"]
    with django_capture_on_commit_callbacks(execute=True):
        notify_users(users=[officer], kind="urging", title="督办催办", body="请尽快办结", dedupe_key="e1")
        notify_users(users=[officer], kind="urging", title="督办催办", body="请尽快办结", dedupe_key="e1")

    assert Notification.objects.filter(recipient=officer).count() == 1
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "督办催办" in mail.outbox[0].subject
    assert Notification.objects.get(recipient=officer).emailed_at is not None


def test_email_is_retried_until_the_server_accepts(users, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.attempts = 0
    (notice,) = notify_users(users=[users["officer_wj"]], kind="info", title="测试")

    send_notification_email.apply(args=[notice.pk])

    assert FlakyBackend.attempts == 3
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert len(mail.outbox) == 1


def test_unread_count_and_mark_read(users, client):
    officer = users["officer_wj"]
    notes = notify_users(users=[officer], kind="info", title="一") + notify_users(
        users=[officer], kind="info", title="二"
    )
    client.force_login(officer)
    assert client.get("/workbench/queue/").context["unread_notifications"] == 2

    assert mark_read(user=officer, notification_ids=[notes[0].pk]) == 1
    assert Notification.objects.filter(recipient=officer, read_at__isnull=True).count() == 1
    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert mark_read(user=users["officer_jy"]) == 0
