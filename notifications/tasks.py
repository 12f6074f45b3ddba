"""E-mail delivery of notifications: a job per event, and the outbox sweep that sends what is left.

A notification with an e-mail address — its recipient's, or for someone outside the platform its
own ``email_to`` — and no ``emailed_at`` is in the outbox. The job queued
after the commit usually sends it at once; when the broker was down at that moment, or the job
gave up (mail server or database away too long), the beat sweep sends it later.

Each sender first claims its rows with a short lease (committed at once, so no lock is held
while the mail server talks), then sends them one message at a time and marks them in small
groups. A refused
address or a malformed message fails only its own row; a mail server or database that goes
away leaves the rest for the retry. Delivery is at least once: messages sent just before the
database went away (at most ``MARK_EVERY``) are sent again after their lease, with the same
Message-ID, so mail clients show them once.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)

# Mail server away (OSError) or the database restarting (OperationalError/InterfaceError).
TRANSIENT = (OSError, OperationalError, InterfaceError)
# Never accepted, however often tried: a refused address, a header that cannot be built.
PERMANENT = (smtplib.SMTPRecipientsRefused, ValueError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    "retry_jitter": True,
    "max_retries": 6,
}
MARK_EVERY = 25  # sent messages marked per UPDATE
MAX_ATTEMPTS = 20  # then the row stays in the outbox with its last error, for a person to see
SWEEP_BATCH = 200
SWEEP_GRACE = timedelta(seconds=30)  # fresh rows belong to the job their commit just queued


# Rows with an address: a user with an e-mail address, or an outside address.  Spelled out: an
# ``exclude(recipient__email="")`` would let a row without recipient (and without address) through.
HAS_ADDRESS = (Q(recipient__isnull=False) & Q(recipient__email__gt="")) | (
    Q(recipient__isnull=True) & Q(email_to__gt="")
)


def _sendable():
    return Notification.objects.filter(
        HAS_ADDRESS,
        Q(email_lease_until__isnull=True) | Q(email_lease_until__lt=timezone.now()),
        emailed_at__isnull=True,
        email_attempts__lt=MAX_ATTEMPTS,
    )


def _claim(notification_ids: list[int]) -> list[Notification]:
    """Lease the given rows that are still to send and free (committed before any mail is sent)."""
    with transaction.atomic():
        rows = list(
            _sendable()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk__in=notification_ids)
            .order_by("pk")
        )
        if rows:
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                email_lease_until=timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS),
                email_attempts=F("email_attempts") + 1,
            )
    return rows


def absolute_link(link: str) -> str:
    """A link as a mail reader can follow it: a site path gets the public base URL in front."""
    if link.startswith("/") and not link.startswith("//"):
        return settings.PUBLIC_BASE_URL.rstrip("/") + link
    return link


def _message(notification: Notification) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    if not notification.email_address:
        raise ValueError("通知没有收件邮箱")
    return EmailMessage(
        subject=re.sub(r"[\r\n]+", " ", f"[部门协同监管平台] {notification.title}"),
        body=f"{notification.body}\n\n{absolute_link(notification.link)}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email_address],
        headers={"Message-ID": f"<notification-{notification.pk}@{domain}>"},
    )


def _release(rows: list[Notification], exc: Exception) -> None:
    """Free the leases of rows not sent, so the job's retry may take them again."""
    try:
        Notification.objects.filter(pk__in=[n.pk for n in rows], emailed_at__isnull=True).update(
            email_lease_until=None, email_error=str(exc)[:500]
        )
    except DatabaseError:  # the database is away too: the leases run out by themselves
        log.warning("could not release the e-mail leases of %s", [n.pk for n in rows])


def _mark_sent(notification_ids: list[int]) -> None:
    Notification.objects.filter(pk__in=notification_ids).update(
        emailed_at=timezone.now(), email_error="", email_lease_until=None
    )


def send_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications still in the outbox, over one mail-server connection.

    Sent messages are marked every ``MARK_EVERY``: one UPDATE per message cost a sixth of a
    100-registration intake batch, and a database lost mid-batch re-sends at most that many.
    """
    rows = _claim(notification_ids)
    if not rows:
        return 0
    sent: list[int] = []
    unmarked: list[int] = []
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the mail server is away: nothing was sent
        _release(rows, exc)
        raise
    try:
        for index, notification in enumerate(rows):
            try:
                connection.send_messages([_message(notification)])
            except PERMANENT as exc:
                log.warning("notification %s cannot be e-mailed: %s", notification.pk, exc)
                Notification.objects.filter(pk=notification.pk).update(
                    email_attempts=MAX_ATTEMPTS, email_error=str(exc)[:500], email_lease_until=None
                )
                continue
            except Exception as exc:
                if not isinstance(exc, DatabaseError):
                    _mark_sent(unmarked)
                    unmarked = []
                _release(rows[index:], exc)
                raise
            sent.append(notification.pk)
            unmarked.append(notification.pk)
            if len(unmarked) >= MARK_EVERY:
                _mark_sent(unmarked)
                unmarked = []
        _mark_sent(unmarked)
    finally:
        connection.close()
    return len(sent)


@shared_task(name="notifications.tasks.send_notification_emails", **RETRY)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the notifications of one event (queued after its commit)."""
    return send_emails(notification_ids)


@shared_task(name="notifications.tasks.send_notification_email", **RETRY)
def send_notification_email(notification_id: int) -> bool:
    """One notification (tasks queued before batching was introduced)."""
    return send_emails([notification_id]) == 1


@shared_task(name="notifications.tasks.send_pending_emails", autoretry_for=TRANSIENT, max_retries=2)
def send_pending_emails(limit: int = 5000) -> int:
    """Beat: send the notices left in the outbox (broker down at their commit, or their job gave up).

    Notices older than ``OUTBOX_MAX_AGE_HOURS`` are left alone: a reminder of work long done is
    noise. They stay visible in the outbox with their last error.
    """
    now = timezone.now()
    fresh = now - SWEEP_GRACE
    oldest = now - timedelta(hours=settings.OUTBOX_MAX_AGE_HOURS)
    sent = 0
    while sent < limit:
        batch = list(
            _sendable()
            .filter(created_at__lt=fresh, created_at__gte=oldest)
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not batch:
            break
        done = send_emails(batch)
        sent += done
        if done == 0:  # every row of the batch is held by another sender or refused for good
            break
    if sent:
        log.info("outbox sweep e-mailed %s notifications", sent)
    return sent
