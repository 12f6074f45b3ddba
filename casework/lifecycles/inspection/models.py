"""双随机、一公开: the 抽查事项清单, the 执法检查人员名录库, plans, tasks, draws and inspections.

The 检查对象名录库 is the directory's ``Enterprise`` table itself (filtered per task); a draw keeps
its own snapshot of the population it drew from (a gzip file, hashed), so it can be replayed
after the directory has changed. Nothing here is deleted: a plan is withdrawn, an inspector is
marked unavailable, a draw stands.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Method(models.TextChoices):
    ONSITE = "onsite", "实地检查"
    DOCUMENTS = "documents", "书面检查"
    ONLINE = "online", "网络监测"
    TESTING = "testing", "检验检测"
    COMMISSIONED = "commissioned", "委托专业机构"


class ResultCode(models.TextChoices):
    """检查结果 (DESIGN §4)."""

    NO_PROBLEM = "no_problem", "未发现问题"
    NOT_DISCLOSED = "not_disclosed", "未按规定公示应当公示的信息"
    FALSE_DISCLOSURE = "false_disclosure", "公示信息隐瞒真实情况弄虚作假"
    UNREACHABLE = "unreachable", "通过登记的住所（经营场所）无法联系"
    CORRECTED = "corrected", "发现问题经责令已改正"
    NO_ACTIVITY = "no_activity", "未发现开展本次抽查涉及的经营活动"
    UNCOOPERATIVE = "uncooperative", "不配合检查情节严重"
    CLOSED = "closed", "已注销或被吊销"
    PROBLEM = "problem", "发现问题待后续处理"


class FollowUp(models.TextChoices):
    NONE = "none", "无需处置"
    RECTIFY = "rectify", "责令改正"
    TRANSFER = "transfer", "移送办案机构"
    NOTIFY = "notify", "抄告相关部门"


class InspectionItem(models.Model):
    """One entry of a department's 抽查事项清单."""

    department = models.ForeignKey(
        "casework.Department", on_delete=models.PROTECT, related_name="inspection_items", verbose_name="部门"
    )
    code = models.CharField("事项编码", max_length=40)
    name = models.CharField("抽查事项", max_length=200)
    legal_basis = models.TextField("检查依据")
    method = models.CharField("检查方式", max_length=20, choices=Method.choices, default=Method.ONSITE)
    subject_kinds = models.JSONField("检查对象类型", default=list, blank=True, help_text="空表示全部类型")
    checklist = models.JSONField("检查要点", default=list, blank=True)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "抽查事项"
        verbose_name_plural = "抽查事项清单"
        ordering = ["department", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="inspection_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Inspector(models.Model):
    """An officer on a department's 执法检查人员名录库."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_entries",
        verbose_name="人员",
    )
    department = models.ForeignKey(
        "casework.Department", on_delete=models.PROTECT, related_name="inspectors", verbose_name="部门"
    )
    certificate_number = models.CharField("执法证号", max_length=40)
    certificate_valid_until = models.DateField("执法证有效期至")
    specialities = models.JSONField("专业领域", default=list, blank=True)
    available = models.BooleanField("可参与抽查", default=True)
    unavailable_reason = models.CharField("不可参与原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员名录库"
        ordering = ["department", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="inspector_once")]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()}（{self.certificate_number}）"


class InspectorConflict(models.Model):
    """A declared conflict of interest (行政处罚法 第四十三条): never drawn for that enterprise."""

    inspector = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="conflicts", verbose_name="人员"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    reason = models.CharField("回避事由", max_length=200)
    declared_at = models.DateTimeField("申报时间", auto_now_add=True)
    # 撤回: the row stays (who declared what, and when it stopped counting).
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="撤回人",
    )

    class Meta:
        verbose_name = "回避申报"
        verbose_name_plural = "回避申报"
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "credit_code"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="inspector_conflict_once",
            )
        ]


class InspectorListConfirmation(models.Model):
    """A department confirmed its inspector list (every ``clock("inspectors.refresh")``)."""

    department = models.ForeignKey(
        "casework.Department", on_delete=models.PROTECT, related_name="+", verbose_name="部门"
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="确认人"
    )
    inspector_count = models.PositiveIntegerField("可参与抽查人数")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "名录库确认"
        verbose_name_plural = "名录库确认"
        ordering = ["-confirmed_at"]


class DirectoryRefresh(models.Model):
    """The 检查对象名录库 of an area as refreshed (daily, by beat): its size by risk class.

    The directory itself is the live ``Enterprise`` table; this row says when it was last counted
    and what it held then (a draw keeps its own snapshot of what it drew from).
    """

    division_code = models.CharField("行政区划代码", max_length=6)
    refreshed_at = models.DateTimeField("更新时间", auto_now_add=True)
    total = models.PositiveIntegerField("主体户数")
    by_risk = models.JSONField("按风险分类户数", default=dict)

    class Meta:
        verbose_name = "检查对象名录库更新"
        verbose_name_plural = "检查对象名录库更新"
        ordering = ["-refreshed_at"]
        indexes = [models.Index(fields=["division_code", "-refreshed_at"], name="directory_refresh_latest")]


class InspectionPlan(models.Model):
    """抽查计划: a department's (or a joint) plan for a period, approved before anything is drawn."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审批"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "已批准"
        WITHDRAWN = "withdrawn", "已撤回"
        DONE = "done", "已完成"

    number = models.CharField("计划编号", max_length=30, unique=True)
    name = models.CharField("计划名称", max_length=200)
    lead_department = models.ForeignKey(
        "casework.Department", on_delete=models.PROTECT, related_name="+", verbose_name="牵头部门"
    )
    departments = models.ManyToManyField("casework.Department", related_name="+", verbose_name="参与部门")
    period_start = models.DateField("实施开始日期")
    period_end = models.DateField("实施结束日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="制定人"
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批人",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="流程案件",
    )

    class Meta:
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class InspectionTask(models.Model):
    """抽查任务: what is drawn (filter, count or per-risk-class ratios) and who inspects."""

    class State(models.TextChoices):
        WAITING = "waiting", "待抽取"
        DRAWN = "drawn", "已抽取"
        DONE = "done", "已完成"

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="tasks", verbose_name="抽查计划"
    )
    name = models.CharField("任务名称", max_length=200)
    items = models.ManyToManyField(InspectionItem, related_name="tasks", verbose_name="抽查事项")
    departments = models.ManyToManyField("casework.Department", related_name="+", verbose_name="参与部门")
    target_filter = models.JSONField(
        "检查对象范围", default=dict, blank=True, help_text="divisions / kinds / risk_classes / statuses"
    )
    count = models.PositiveIntegerField("抽取户数", null=True, blank=True)
    ratios = models.JSONField(
        "分类抽查比例", default=dict, blank=True, help_text='如 {"A": "0.03", "D": "0.2"}'
    )
    per_target = models.PositiveSmallIntegerField("每户检查人员数", default=2)
    recent_draws = models.PositiveSmallIntegerField("近期抽查回避次数", default=3)
    result_due = models.DateField("结果录入截止日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.WAITING)

    class Meta:
        verbose_name = "抽查任务"
        verbose_name_plural = "抽查任务"
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return self.name


def _population_path(instance: Draw, filename: str) -> str:
    return f"inspection/draws/{uuid.uuid4().hex}.csv.gz"


class Draw(models.Model):
    """One draw of a task: every input kept, so that anyone can replay it (``replay_draw``)."""

    task = models.OneToOneField(
        InspectionTask, on_delete=models.PROTECT, related_name="draw", verbose_name="抽查任务"
    )
    algorithm = models.CharField("抽取算法", max_length=30)
    seed = models.CharField("随机种子", max_length=64)
    population_hash = models.CharField("对象名录快照摘要", max_length=64)
    population_size = models.PositiveIntegerField("对象名录户数")
    population_file = models.FileField("对象名录快照", upload_to=_population_path, max_length=200)
    parameters = models.JSONField("抽取参数")
    result_hash = models.CharField("结果摘要", max_length=64)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    witnesses = models.CharField("见证人", max_length=300, blank=True)
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽取记录"
        verbose_name_plural = "抽取记录"
        ordering = ["-drawn_at"]


class Inspection(models.Model):
    """One drawn target: its inspectors, result, review and publication."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", "待检查"
        CONFIRMING = "confirming", "待同组确认"
        REVIEWING = "reviewing", "待审核"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "待公示"
        PUBLISHED = "published", "已公示"

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="inspections", verbose_name="抽取记录"
    )
    position = models.PositiveIntegerField("抽取顺序")
    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise_name = models.CharField("市场主体名称", max_length=200)
    risk_class = models.CharField("风险分类", max_length=1)
    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.ASSIGNED, db_index=True
    )
    method = models.CharField("检查方式", max_length=20, choices=Method.choices, blank=True)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    result_code = models.CharField("检查结果", max_length=30, choices=ResultCode.choices, blank=True)
    findings = models.TextField("检查情况", blank=True)
    follow_up = models.CharField("后续处置", max_length=20, choices=FollowUp.choices, blank=True)
    follow_up_department = models.ForeignKey(
        "casework.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="移送/抄告部门",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="录入人",
    )
    submitted_at = models.DateTimeField("录入时间", null=True, blank=True)
    submission_token = models.UUIDField("提交标识", null=True, blank=True, unique=True)
    review_note = models.TextField("审核意见", blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    record_id = models.CharField("公示信息标识", max_length=100, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="流程案件",
    )

    class Meta:
        verbose_name = "检查"
        verbose_name_plural = "检查"
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "position"], name="inspection_position")]

    def __str__(self) -> str:
        return f"{self.enterprise_name}（{self.credit_code}）"


class InspectionMember(models.Model):
    """An inspector of an inspection's team (检查组), in draw order; the first enters the result."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="members", verbose_name="检查"
    )
    inspector = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="memberships", verbose_name="执法检查人员"
    )
    position = models.PositiveSmallIntegerField("组内顺序")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "检查组成员"
        verbose_name_plural = "检查组成员"
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "inspector"], name="inspection_member_once")
        ]


class DrawReplacement(models.Model):
    """递补: an inspector drawn for a target who had to recuse, and why (logged by the draw)."""

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="replacements", verbose_name="抽取记录"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="replacements", verbose_name="检查"
    )
    inspector = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="+", verbose_name="回避人员"
    )
    reason = models.CharField("回避原因", max_length=20)

    class Meta:
        verbose_name = "回避递补记录"
        verbose_name_plural = "回避递补记录"


def _photo_path(instance: InspectionPhoto, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"inspection/photos/{uuid.uuid4().hex}.{suffix}"


class InspectionPhoto(models.Model):
    """A photo taken on site (camera upload); ``client_token`` makes an offline re-send harmless."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos", verbose_name="检查"
    )
    image = models.ImageField("现场照片", upload_to=_photo_path, max_length=200)
    caption = models.CharField("说明", max_length=200, blank=True)
    client_token = models.UUIDField("上传标识", unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        ordering = ["uploaded_at"]
