"""The human-task projection: what inboxes read, never the workflow JSON."""

from django.conf import settings
from django.db import models


class HumanTask(models.Model):
    """A READY user/manual task of an instance, projected for fast indexed inbox queries."""

    class State(models.TextChoices):
        OPEN = "open", "待办"
        COMPLETED = "completed", "已办"
        CANCELLED = "cancelled", "已取消"

    instance = models.ForeignKey(
        "processes.ProcessInstance",
        on_delete=models.CASCADE,
        related_name="human_tasks",
        verbose_name="流程实例",
    )
    task_uuid = models.UUIDField("SpiffWorkflow 任务 ID", unique=True)
    bpmn_id = models.CharField("BPMN 任务 ID", max_length=200)
    name = models.CharField("任务名称", max_length=300)
    case_type = models.CharField("案件类型", max_length=100)
    case_title = models.CharField("案件标题", max_length=300, blank=True)
    subject_name = models.CharField("案件对象", max_length=200, blank=True, help_text="如市场主体名称")
    subject_code = models.CharField("对象代码", max_length=50, blank=True, help_text="如统一社会信用代码")
    area_code = models.CharField("行政区划", max_length=6, blank=True)
    candidate_department = models.CharField("候选部门", max_length=100)
    candidate_role = models.CharField("候选角色", max_length=50)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
        verbose_name="办理人",
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办结人",
    )
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    due_clock = models.CharField(
        "时限规则", max_length=100, blank=True, help_text="法定时限规则的键，如 push.claim"
    )
    due_basis = models.CharField(
        "时限依据", max_length=500, blank=True, help_text="规则、天数、法律依据与适用地区，设定时限时记下"
    )
    due_provisional = models.BooleanField(
        "暂定时限", default=False, help_text="时限跨入尚未公布节假日安排的年份，导入该年通知后重算"
    )
    escalation_level = models.PositiveSmallIntegerField("督办级别", default=0)
    form_key = models.CharField(
        "表单", max_length=200, blank=True, help_text="流程图 form_key 属性；为空时用与任务 ID 同名的表单"
    )
    escalation_department = models.CharField(
        "超期督办部门",
        max_length=100,
        blank=True,
        help_text="流程图 escalation_department 属性；为空时用平台默认督办机构",
    )
    form_data = models.JSONField("办理结果", default=dict, blank=True)

    class Meta:
        verbose_name = "人工任务"
        verbose_name_plural = "人工任务"
        indexes = [
            models.Index(
                fields=["candidate_department", "state", "assignee", "created_at"], name="task_queue"
            ),
            models.Index(fields=["assignee", "state", "created_at"], name="task_mine"),
            models.Index(fields=["candidate_department", "state", "due_at"], name="task_due"),
            models.Index(fields=["instance", "state"], name="task_instance"),
            models.Index(fields=["subject_code"], name="task_subject_code"),
            # 流程监控's figures of a process (tasks by case type = process key): open tasks per
            # element, time per completed task, overdue per department, read from the index alone.
            models.Index(
                fields=["case_type", "state", "bpmn_id"],
                name="task_process_figures",
                include=["instance", "created_at", "completed_at", "due_at", "candidate_department"],
            ),
            # ... and the most recently completed tasks, whose times give the p90 figures.
            models.Index(
                fields=["case_type", "completed_at", "id"],
                name="task_completed_recent",
                include=["bpmn_id", "created_at", "instance"],
                condition=models.Q(state="completed", completed_at__isnull=False),
            ),
            # Inboxes read only open tasks (about a fifth of the table once work accumulates):
            # partial indexes in the inboxes' own order keep their pages and counts small.
            models.Index(
                fields=["candidate_department", "candidate_role", "created_at", "id"],
                name="task_queue_open",
                condition=models.Q(state="open", assignee__isnull=True),
            ),
            models.Index(
                fields=["assignee", "due_at", "created_at", "id"],
                name="task_mine_open",
                condition=models.Q(state="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.candidate_department})"

    @property
    def form(self) -> str:
        """The key its form is registered under: the diagram's ``form_key``, else the task's own id."""
        return self.form_key or self.bpmn_id

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN
