"""E-mail delivery of notifications, retried with back-off when the mail server fails."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(
    name="notifications.tasks.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=6,
)
def send_notification_email(notification_id: int) -> bool:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None or not notification.recipient.email:
        return False
    send_mail(
        subject=f"[部门协同监管平台] {notification.title}",
        message=f"{notification.body}\n\n{notification.link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True
