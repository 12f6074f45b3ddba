"""Batch migrations: every running case of one version moved to another, in a Celery job.

The job remembers which cases it has done (one ``MigrationBatchCase`` row per case, written in the
same transaction as the case's migration), so a worker restart, a redelivery or a database outage
resumes where it stopped: no case is migrated twice, none is forgotten.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .definitions import ProcessVersion


class MigrationBatch(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "迁移中"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已停止"

    source = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="+", verbose_name="原版本"
    )
    target = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="+", verbose_name="目标版本"
    )
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED)
    reason = models.CharField("迁移原因", max_length=500)
    case_ids = models.JSONField(
        "待迁移案件", default=list, help_text="排队时该版本上办理中的案件，按发起先后"
    )
    total = models.PositiveIntegerField("案件数", default=0)
    migrated = models.PositiveIntegerField("已迁移", default=0)
    refused = models.PositiveIntegerField("未迁移", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量迁移"
        verbose_name_plural = "批量迁移"
        indexes = [models.Index(fields=["source", "state"], name="batch_source_state")]

    def __str__(self) -> str:
        return f"批量迁移 #{self.pk}"

    @property
    def done(self) -> int:
        return self.migrated + self.refused

    @property
    def left(self) -> int:
        return max(0, self.total - self.done)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    @property
    def live(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class MigrationBatchCase(models.Model):
    """What happened to one case of a batch (its id, not a key: the report outlives the case)."""

    batch = models.ForeignKey(
        MigrationBatch, on_delete=models.CASCADE, related_name="cases", verbose_name="批量迁移"
    )
    instance_id = models.PositiveBigIntegerField("案件")
    business_key = models.CharField("业务编号", max_length=200, blank=True)
    title = models.CharField("标题", max_length=300, blank=True)
    migrated = models.BooleanField("已迁移")
    reasons = models.JSONField("未迁移原因", default=list)
    done_at = models.DateTimeField("处理时间", default=timezone.now)

    class Meta:
        verbose_name = "批量迁移案件"
        verbose_name_plural = "批量迁移案件"
        constraints = [models.UniqueConstraint(fields=["batch", "instance_id"], name="batch_case_once")]
        ordering = ["migrated", "pk"]
