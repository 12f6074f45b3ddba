"""In-app notifications (站内消息) and the delivery log of e-mails.

A row is either a notice to a user (``recipient``: shown in their inbox and e-mailed to their
address) or an e-mail to someone outside the platform (``email_to``, no recipient: the public,
e.g. an objector told the outcome).  Inbox queries go through ``Notification.objects.inbox_of``,
which never returns a row without a recipient."""

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def inbox_of(self, user) -> "NotificationQuerySet":
        """The in-app notices of ``user`` (none for an anonymous user; never an outside e-mail)."""
        if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
            return self.none()
        return self.filter(recipient_id=user.pk)


class Notification(models.Model):
    """A message to one user (assignment, escalation, urging 督办) or an e-mail to an outside address."""

    class Kind(models.TextChoices):
        ASSIGNMENT = "assignment", "任务分派"
        ESCALATION = "escalation", "超期督办"
        URGING = "urging", "督办催办"
        INFO = "info", "通知"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
        null=True,
        blank=True,
    )
    email_to = models.EmailField("外部收件人邮箱", blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, verbose_name="去重键")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    # The e-mail outbox: a row with an e-mail address and no ``emailed_at`` is still to be sent.
    email_attempts = models.PositiveSmallIntegerField("邮件发送尝试次数", default=0)
    email_error = models.CharField("最近一次发送错误", max_length=500, blank=True)
    email_lease_until = models.DateTimeField("发送占用至", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_email_outbox",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once",
            ),
            models.UniqueConstraint(
                fields=["email_to", "dedupe_key"],
                condition=models.Q(recipient__isnull=True) & ~models.Q(dedupe_key=""),
                name="notification_outside_once",
            ),
            # A user's notice or an outside e-mail, never both, never neither.
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False, email_to="")
                | (models.Q(recipient__isnull=True) & ~models.Q(email_to="")),
                name="notification_user_or_outside",
            ),
        ]

    @property
    def email_address(self) -> str:
        """Where its e-mail goes: the outside address, or the recipient's own."""
        if self.recipient_id is None:
            return self.email_to
        return self.recipient.email if self.recipient is not None else ""
