"""Sending notices: in-app rows now, e-mail by a Celery task after the commit.

``email_outside`` e-mails someone outside the platform (an objector): the same outbox, no
in-app row for anyone."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from processes.operation import defer_insert, memoised
from processes.queueing import enqueue_after_commit

from .models import Notification


def notify_users(
    *,
    users,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    new_key: bool = False,
) -> list[Notification]:
    """Create one notification per user (once per dedupe key) and queue their e-mail as one batch.

    ``new_key`` says the key names something created in this very transaction (a new task),
    so nobody can have been told yet: no look-up, no savepoint.
    """
    recipients = {u.pk: u for u in users if u is not None}
    if new_key:
        rows = [
            Notification(recipient=u, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key)
            for u in recipients.values()
        ]
        # Inside an engine operation the rows join its buffered INSERT (and leave with a step
        # that is rolled back); their e-mail goes out as one batch per operation.
        if rows and all([defer_insert(row, _email_after_commit) for row in rows]):
            return rows
        created = Notification.objects.bulk_create(rows)
        _email_after_commit(created)
        return created
    if dedupe_key and recipients:
        told = Notification.objects.filter(recipient_id__in=list(recipients), dedupe_key=dedupe_key)
        for pk in told.values_list("recipient_id", flat=True):
            recipients.pop(pk, None)  # already told this user about this event
    if not recipients:
        return []
    rows = [
        Notification(recipient=user, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key)
        for user in recipients.values()
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent event with the same key won a race: one row at a time
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
    _email_after_commit(created)
    return created


def _email_after_commit(created: list[Notification]) -> None:
    """Queue the batch's e-mail; if the broker is down the rows wait in the outbox for the sweep."""
    from .tasks import send_notification_emails

    to_email = [n.pk for n in created if n.email_address]
    if to_email:
        enqueue_after_commit(send_notification_emails, to_email)


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
    new_key: bool = False,
) -> list[Notification]:
    """Tell every officer holding ``role`` in the department (and ``also_user``)."""
    users = list(_holders(department_code, role))
    if also_user is not None:
        users.append(also_user)
    return notify_users(
        users=users, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key, new_key=new_key
    )


def _holders(department_code: str, role: str) -> list:
    """Active users holding ``role`` in the department (looked up once per engine operation)."""
    return memoised(
        ("post-holders", department_code, role),
        lambda: list(
            get_user_model()
            .objects.filter(
                memberships__department__code=department_code, memberships__role=role, is_active=True
            )
            .distinct()
        ),
    )


def email_outside(
    *, address: str, title: str, body: str = "", link: str = "", dedupe_key: str = ""
) -> Notification | None:
    """E-mail ``address`` (someone outside the platform) through the outbox, once per dedupe key.

    No user sees the row in their inbox.  ``link`` may be a site path: the e-mail carries it with
    ``settings.PUBLIC_BASE_URL``.  Returns None when there is no address or it was sent before.
    """
    address = (address or "").strip()
    if not address:
        return None
    row = Notification(
        recipient=None,
        email_to=address[:254],
        kind=Notification.Kind.INFO,
        title=title[:200],
        body=body,
        link=link[:300],
        dedupe_key=dedupe_key,
    )
    if (
        dedupe_key
        and Notification.objects.filter(
            recipient__isnull=True, email_to=row.email_to, dedupe_key=dedupe_key
        ).exists()
    ):
        return None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same e-mail, queued by a concurrent call
        return None
    _email_after_commit([row])
    return row


def mark_read(*, user: Any, notification_ids: list[int] | None = None) -> int:
    qs = Notification.objects.inbox_of(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
