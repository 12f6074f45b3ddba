"""Append-only audit trail, written by each action inside its own transaction."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which case, and when.  Rows are never updated or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=60, db_index=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit",
        verbose_name="流程实例",
    )
    human_task = models.ForeignKey(
        "processes.HumanTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit",
        verbose_name="人工任务",
    )
    payload = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("审计记录只能追加，不能删除")
