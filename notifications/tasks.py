"""E-mail delivery of notifications, retried with back-off when the mail server fails."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from .models import Notification

RETRY = {"autoretry_for": (OSError,), "retry_backoff": 30, "retry_jitter": True, "max_retries": 6}


@shared_task(name="notifications.tasks.send_notification_emails", **RETRY)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the notifications not e-mailed yet, over one mail-server connection."""
    pending = list(
        Notification.objects.select_related("recipient")
        .filter(pk__in=notification_ids, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .order_by("pk")
    )
    if not pending:
        return 0
    messages = [
        EmailMessage(
            subject=f"[部门协同监管平台] {n.title}",
            body=f"{n.body}\n\n{n.link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[n.recipient.email],
        )
        for n in pending
    ]
    get_connection().send_messages(messages)
    Notification.objects.filter(pk__in=[n.pk for n in pending], emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return len(pending)


@shared_task(name="notifications.tasks.send_notification_email", **RETRY)
def send_notification_email(notification_id: int) -> bool:
    """One notification (tasks queued before batching was introduced)."""
    return send_notification_emails(notification_ids=[notification_id]) == 1
