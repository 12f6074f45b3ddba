"""Suspensions (中止) of a case's legal clock: while one is open, its timers stand still."""

from django.conf import settings
from django.db import models


class ClockPause(models.Model):
    """One suspension of a case's clock, from ``paused_at`` until ``resumed_at``.

    On resumption every waiting deadline of the case moves by ``days`` — the working days that
    passed while the clock stood still.
    """

    instance = models.ForeignKey(
        "processes.ProcessInstance",
        on_delete=models.CASCADE,
        related_name="clock_pauses",
        verbose_name="案件",
    )
    reason = models.TextField("中止原因")
    paused_at = models.DateTimeField("中止时间")
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="中止人",
    )
    resumed_at = models.DateTimeField("恢复时间", null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="恢复人",
    )
    days = models.PositiveIntegerField("顺延工作日", null=True, blank=True)

    class Meta:
        verbose_name = "时限中止"
        verbose_name_plural = "时限中止"
        ordering = ["-paused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance"], condition=models.Q(resumed_at__isnull=True), name="one_open_clock_pause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instance} 中止于 {self.paused_at:%Y-%m-%d}"
