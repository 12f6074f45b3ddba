"""Domain models: departments and their officers, escalations and efficiency violations."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "经办人员"
    REVIEWER = "reviewer", "审核人员"
    SUPERVISOR = "supervisor", "督办人员"
    PROCESS_ADMIN = "process_admin", "流程管理员"
    INSPECTOR = "inspector", "检查人员"
    REGISTRAR = "registrar", "登记人员"


class Department(models.Model):
    """A government department at one administrative level (省/市/县)."""

    class Kind(models.TextChoices):
        REGISTRAR = "registrar", "市场监管（登记机关）"
        APPROVAL = "approval", "审批部门"
        INDUSTRY = "industry", "行业主管部门"
        SUPERVISION = "supervision", "效能督查机构"

    code = models.CharField("部门代码", max_length=50, unique=True)
    name = models.CharField("部门名称", max_length=200)
    kind = models.CharField("部门类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    division_code = models.CharField("行政区划代码", max_length=6, blank=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An officer's post: which department they work for, in which role (岗位)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="uniq_membership"),
        ]
        indexes = [models.Index(fields=["department", "role"], name="membership_dept_role")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department} ({self.get_role_display()})"


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
        "processes.ProcessInstance", on_delete=models.PROTECT, related_name="escalations"
    )
    department_code = models.CharField("被督办部门", max_length=50, db_index=True)
    overdue_since = models.DateTimeField("原办理时限", null=True, blank=True)
    outcome = models.CharField("督办结果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField("理由/意见", blank=True)
    new_due_at = models.DateTimeField("督办新时限", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
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
    escalation = models.OneToOneField(Escalation, on_delete=models.PROTECT, related_name="violation")
    human_task = models.ForeignKey("processes.HumanTask", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("认定理由")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("认定时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "效能问题"
        verbose_name_plural = "效能问题"
        ordering = ["-recorded_at"]
