"""E-mail delivery of notifications: a job per batch, and the outbox sweep that sends what is left.

A notification with an e-mail address and no ``emailed_at`` is in the outbox. The job queued
after the commit usually sends it at once; when the broker was down at that moment, or the
job gave up (mail server or database away too long), the beat sweep sends it later. Each
send claims its rows under a row lock (skipping rows another worker holds), so a notice goes
out once even when the job and the sweep meet.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)

# Mail server away (OSError) or the database restarting (OperationalError/InterfaceError).
TRANSIENT = (OSError, OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    "retry_jitter": True,
    "max_retries": 6,
}
MAX_ATTEMPTS = 20  # then the row stays in the outbox, visible with its last error, for a person
SWEEP_BATCH = 200
SWEEP_GRACE = timedelta(seconds=30)  # fresh rows belong to the job their commit just queued


def _pending():
    return Notification.objects.filter(emailed_at__isnull=True, email_attempts__lt=MAX_ATTEMPTS).exclude(
        recipient__email=""
    )


def send_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications still in the outbox, over one mail-server connection."""
    try:
        with transaction.atomic():
            claimed = list(
                _pending()
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk__in=notification_ids)
                .order_by("pk")
            )
            if not claimed:
                return 0
            messages = [
                EmailMessage(
                    subject=f"[部门协同监管平台] {n.title}",
                    body=f"{n.body}\n\n{n.link}",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[n.recipient.email],
                )
                for n in claimed
            ]
            get_connection().send_messages(messages)
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                emailed_at=timezone.now(), email_error=""
            )
            return len(claimed)
    except OSError as exc:  # the mail server refused: count the attempt, keep the rows in the outbox
        _note_failure(notification_ids, exc)
        raise


def _note_failure(notification_ids: list[int], exc: Exception) -> None:
    from django.db.models import F

    try:
        _pending().filter(pk__in=notification_ids).update(
            email_attempts=F("email_attempts") + 1, email_error=str(exc)[:500]
        )
    except DatabaseError:
        log.warning("could not record the failed e-mail attempt for %s", notification_ids)


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
    """Beat: send every notice left in the outbox (broker down at its commit, or its job gave up)."""
    before = timezone.now() - SWEEP_GRACE
    sent = 0
    while sent < limit:
        batch = list(
            _pending().filter(created_at__lt=before).order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not batch:
            break
        done = send_emails(batch)
        sent += done
        if done == 0:  # every row of the batch is held by another sender right now
            break
    if sent:
        log.info("outbox sweep e-mailed %s notifications", sent)
    return sent
