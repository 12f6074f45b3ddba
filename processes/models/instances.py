"""Running cases: serialized workflow state, incidents and persisted messages."""

from django.conf import settings
from django.db import models


class ProcessInstance(models.Model):
    """One case.  ``state`` is SpiffWorkflow's serialized workflow as JSON *text*.

    Never a jsonb column: PostgreSQL re-sorts jsonb keys and SpiffWorkflow rebuilds task
    data from key order, silently losing case data.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        SUSPENDED = "suspended", "已挂起"
        INCIDENT = "incident", "异常待处理"
        COMPLETED = "completed", "已办结"
        TERMINATED = "terminated", "已终止"

    process_version = models.ForeignKey(
        "processes.ProcessVersion",
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name="流程版本",
    )
    case_type = models.CharField("案件类型", max_length=100, db_index=True)
    business_key = models.CharField("业务编号", max_length=200, blank=True, db_index=True)
    title = models.CharField("标题", max_length=300, blank=True)
    subject_name = models.CharField("案件对象", max_length=200, blank=True)
    subject_code = models.CharField("对象代码", max_length=50, blank=True, db_index=True)
    area_code = models.CharField("行政区划", max_length=6, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.RUNNING)
    state = models.TextField("流程状态 (JSON)")
    version = models.PositiveIntegerField("乐观锁版本", default=1)
    next_timer_at = models.DateTimeField("最近定时器到期", null=True, blank=True)
    provisional_deadlines = models.BooleanField(
        "含暂定时限", default=False, db_index=True, help_text="有定时器的时限跨入尚未公布节假日安排的年份"
    )
    clock_paused_at = models.DateTimeField(
        "计时中止于", null=True, blank=True, help_text="法定时限中止计时期间，定时器不触发"
    )
    parent_task = models.ForeignKey(
        "processes.HumanTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="child_instances",
        verbose_name="关联任务",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "流程实例"
        verbose_name_plural = "流程实例"
        indexes = [
            models.Index(fields=["status", "next_timer_at"], name="instance_due_timers"),
            # 流程监控: the case search's newest first, and a process's cases by state (the
            # search by process and state, its per-state counts, the cases by state and version).
            # On PostgreSQL also a trigram index on UPPER(subject_name) (migration 0011).
            models.Index(fields=["created_at", "id"], name="instance_created"),
            models.Index(
                fields=["case_type", "status", "created_at", "id"],
                name="instance_process_status",
                include=["process_version"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_type}#{self.pk} {self.business_key}"


class Incident(models.Model):
    """A step that raised: kept on the instance until someone retries or resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        RESOLVED = "resolved", "已解决"

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="incidents", verbose_name="流程实例"
    )
    action = models.CharField("失败的操作", max_length=50)
    action_args = models.JSONField("操作参数", default=dict, blank=True)
    task_bpmn_id = models.CharField("BPMN 元素", max_length=200, blank=True)
    message = models.TextField("错误信息")
    traceback = models.TextField("错误堆栈", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    retries = models.PositiveIntegerField("重试次数", default=0)
    created_at = models.DateTimeField("发生时间", auto_now_add=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)

    class Meta:
        verbose_name = "流程异常"
        verbose_name_plural = "流程异常"
        ordering = ["-created_at"]


class ProcessMessage(models.Model):
    """A BPMN message thrown by one case, routed by the app (SpiffWorkflow keeps no store)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待投递"
        DELIVERED = "delivered", "已投递"
        HANDLED = "handled", "已处理"

    name = models.CharField(max_length=200, db_index=True, verbose_name="消息名称")
    payload = models.JSONField(default=dict, blank=True, verbose_name="消息内容")
    source = models.ForeignKey(
        ProcessInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sent_messages",
        verbose_name="发出案件",
    )
    target = models.ForeignKey(
        ProcessInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        verbose_name="接收案件",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name="状态"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    attempted_at = models.DateTimeField("最近投递尝试", null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name="投递时间")

    class Meta:
        verbose_name = "流程消息"
        verbose_name_plural = "流程消息"
