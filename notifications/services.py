"""Sending notices: in-app rows now, e-mail by a Celery task after the commit."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notify_users(
    *, users, kind: str, title: str, body: str = "", link: str = "", dedupe_key: str = ""
) -> list[Notification]:
    """Create one notification per user (once per dedupe key) and queue its e-mail."""
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key
                )
        except IntegrityError:
            continue  # already told this user about this event
        created.append(notification)
        if user.email:
            transaction.on_commit(partial(_queue_email, notification.pk))
    return created


def _queue_email(notification_id: int) -> None:
    from .tasks import send_notification_email

    send_notification_email.delay(notification_id)


def notify_department(
    *,
    department_code: str,
    role: str,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    also_user=None,
) -> list[Notification]:
    """Tell every officer holding ``role`` in the department (and ``also_user``)."""
    users = list(
        get_user_model()
        .objects.filter(memberships__department__code=department_code, memberships__role=role, is_active=True)
        .distinct()
    )
    if also_user is not None:
        users.append(also_user)
    return notify_users(users=users, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key)


def mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
