"""异议: an objection the public files on a published record from the portal."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

__all__ = ["Objection"]


def _attachment_path(instance: Objection, filename: str) -> str:
    # The name people gave their file is not kept in the path (it may carry personal data).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"portal/objections/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class Objection(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", "已收到"
        HANDLING = "handling", "核查中"
        CLOSED = "closed", "已办结"

    # The record objected to, as its provider names it (registry.PublicRecord), and what the
    # objector saw of it then.
    record_id = models.CharField("公示信息标识", max_length=100, db_index=True)
    category = models.CharField("信息类别", max_length=60)
    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise_name = models.CharField("市场主体名称", max_length=200, blank=True)
    record_title = models.CharField("公示信息名称", max_length=200, blank=True)
    document_number = models.CharField("文书编号", max_length=200, blank=True)
    department = models.CharField("提供部门", max_length=200, blank=True)

    contact_name = models.CharField("联系人", max_length=50)
    phone = models.CharField("联系电话", max_length=30)
    email = models.EmailField("电子邮箱", blank=True)
    description = models.TextField("异议内容")
    attachment = models.FileField("证明材料", upload_to=_attachment_path, blank=True, max_length=200)
    attachment_name = models.CharField("附件原文件名", max_length=200, blank=True)

    state = models.CharField("办理状态", max_length=20, choices=State.choices, default=State.RECEIVED)
    outcome = models.TextField("办理结果", blank=True)
    receipt = models.UUIDField("回执标识", default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="portal_objection_state")]

    def __str__(self) -> str:
        return f"{self.number} {self.enterprise_name or self.credit_code}"

    @property
    def number(self) -> str:
        """异议编号 shown on the receipt: YY + submission date + the row number."""
        if self.pk is None or self.created_at is None:
            return ""
        return f"YY{timezone.localtime(self.created_at):%Y%m%d}{self.pk:06d}"
