"""效能督办 records: escalations of overdue tasks and the violations kept for assessment."""

from django.conf import settings
from django.db import models


class Escalation(models.Model):
    """One escalation of an overdue task into a 效能督办 case (level 1, 2, … on re-escalation)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待督办"
        URGED = "urged", "已督办"
        EXCUSED = "excused", "已免责"
        VIOLATION = "violation", "认定效能问题"
        RESOLVED = "resolved", "已办结"

    human_task = models.ForeignKey(
        "processes.HumanTask", on_delete=models.PROTECT, related_name="escalations", verbose_name="超期任务"
    )
    level = models.PositiveSmallIntegerField("督办级别")
    supervision_instance = models.ForeignKey(
        "processes.ProcessInstance",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name="督办案件",
    )
    department_code = models.CharField("被督办部门", max_length=50, db_index=True)
    overdue_since = models.DateTimeField("原办理时限", null=True, blank=True)
    outcome = models.CharField("督办结果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField("理由/意见", blank=True)
    new_due_at = models.DateTimeField("督办新时限", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="督办人",
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="督办时间")
    created_at = models.DateTimeField("升级时间", auto_now_add=True)

    class Meta:
        verbose_name = "效能督办记录"
        verbose_name_plural = "效能督办记录"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["human_task", "level"], name="escalate_once_per_level"),
        ]


class EfficiencyViolation(models.Model):
    """效能问题: an overdue task a supervisor judged a violation; counted in assessment."""

    department_code = models.CharField("责任部门", max_length=50, db_index=True)
    escalation = models.OneToOneField(
        Escalation, on_delete=models.PROTECT, related_name="violation", verbose_name="督办记录"
    )
    human_task = models.ForeignKey(
        "processes.HumanTask", on_delete=models.PROTECT, related_name="+", verbose_name="被督办任务"
    )
    reason = models.TextField("认定理由")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="认定人"
    )
    recorded_at = models.DateTimeField("认定时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "效能问题"
        verbose_name_plural = "效能问题"
        ordering = ["-recorded_at"]


__all__ = ["EfficiencyViolation", "Escalation"]
