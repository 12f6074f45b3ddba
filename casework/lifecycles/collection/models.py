"""归集公示 records: the format spec (versioned), each enterprise-related record a department
submits, every version of it, and the reasons it was returned.

Nothing is deleted: a record withdrawn before publication keeps its row (已撤销, with the reason),
a resubmission with the same (provider, type, document number) is a new version of the record.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models


class RecordFormat(models.Model):
    """One version of the record-type spec (fields, types, required, code lists, personal data)."""

    version = models.PositiveIntegerField("规范版本", unique=True)
    types = models.JSONField("信息类别定义", help_text="record_types.RECORD_TYPES 的结构")
    note = models.CharField("修订说明", max_length=300, blank=True)
    created_at = models.DateTimeField("发布时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发布人",
    )

    class Meta:
        verbose_name = "归集格式规范"
        verbose_name_plural = "归集格式规范"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"第 {self.version} 版"


class CollectedRecord(models.Model):
    """An enterprise-related record (涉企信息) as it stands now; its versions are kept apart."""

    class State(models.TextChoices):
        VALIDATING = "validating", "待校验"
        RETURNED = "returned", "退回补正"
        REVIEWING = "reviewing", "待审核"
        PENDING = "pending", "待公示"
        PUBLISHED = "published", "已公示"
        ARCHIVED = "archived", "公示期满归档"
        CONFIDENTIAL = "confidential", "涉密不公示"
        NOT_PUBLIC = "not_public", "依规不予公示"
        OUTBOUND = "outbound", "外地主体待交换"
        EXCHANGED = "exchanged", "已交换至登记地"
        WITHDRAWN = "withdrawn", "已撤销"

    class Channel(models.TextChoices):
        FORM = "form", "表单录入"
        FILE = "file", "批量导入"
        API = "api", "接口交换"
        PUSH = "push", "双告知许可反馈"

    record_type = models.CharField("信息类别", max_length=40, db_index=True)
    type_name = models.CharField("信息类别名称", max_length=60)
    provider = models.ForeignKey(
        "casework.Department",
        on_delete=models.PROTECT,
        related_name="collected_records",
        verbose_name="提供部门",
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise_name = models.CharField("市场主体名称", max_length=200)
    enterprise = models.ForeignKey(
        "casework.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collected_records",
        verbose_name="关联市场主体",
    )
    document_number = models.CharField("文书编号", max_length=200)
    produced_on = models.DateField("产生日期", null=True, blank=True)
    collected_at = models.DateTimeField("归集时间", auto_now_add=True)
    values = models.JSONField("信息内容", default=dict)
    errors = models.JSONField("校验问题", default=dict, blank=True, help_text="字段 → 问题；为空即通过校验")
    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.VALIDATING, db_index=True
    )
    secret = models.BooleanField("涉及国家秘密", default=False, help_text="涉密信息一律不公示")
    sensitive = models.BooleanField(
        "需保密审查", default=False, help_text="涉及商业秘密或个人隐私，公示前须审核"
    )
    backfill = models.BooleanField("存量补录", default=False, help_text="存量信息补录不计归集超期")
    late = models.BooleanField("归集超期", default=False)
    channel = models.CharField("归集方式", max_length=10, choices=Channel.choices, default=Channel.FORM)
    version = models.PositiveIntegerField("当前版本", default=1)
    format_version = models.PositiveIntegerField("格式规范版本", default=1)
    area_code = models.CharField("行政区划", max_length=6, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    archive_on = models.DateField("公示期满日", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤销原因", max_length=300, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collected_records",
        verbose_name="当前案件",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "涉企信息"
        verbose_name_plural = "涉企信息"
        ordering = ["-collected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "record_type", "document_number"], name="collected_record_identity"
            )
        ]
        indexes = [
            models.Index(fields=["credit_code", "state"], name="collected_portal"),
            models.Index(fields=["provider", "state", "collected_at"], name="collected_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.document_number}（{self.enterprise_name}）"

    @property
    def is_public(self) -> bool:
        return self.state == self.State.PUBLISHED


class RecordVersion(models.Model):
    """What was submitted each time (the record's full history)."""

    record = models.ForeignKey(
        CollectedRecord, on_delete=models.CASCADE, related_name="versions", verbose_name="信息"
    )
    version = models.PositiveIntegerField("版本")
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    enterprise_name = models.CharField("市场主体名称", max_length=200)
    produced_on = models.DateField("产生日期", null=True, blank=True)
    values = models.JSONField("信息内容", default=dict)
    errors = models.JSONField("校验问题", default=dict, blank=True)
    channel = models.CharField("归集方式", max_length=10, choices=CollectedRecord.Channel.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "涉企信息版本"
        verbose_name_plural = "涉企信息版本"
        ordering = ["record", "-version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"{self.record} v{self.version}"


class RecordCorrection(models.Model):
    """更正: one correction case of a published record (``bpmn/error_correction.bpmn``).

    Opened by the provider (error found), by a public objection, or by the platform operator;
    what the provider proposed, what 市场监管 decided, and the version it produced stay here.
    """

    class Origin(models.TextChoices):
        PROVIDER = "provider", "提供部门发现错误"
        OBJECTION = "objection", "公众异议"
        OPERATOR = "operator", "平台运营方发起"

    class State(models.TextChoices):
        SUBMITTING = "submitting", "待提供部门更正"
        REVIEWING = "reviewing", "待市场监管审核"
        CORRECTED = "corrected", "已更正"
        CONFIRMED = "confirmed", "核实无误"
        CANCELLED = "cancelled", "已终止"

    class Decision(models.TextChoices):
        CORRECT = "correct", "提交更正"
        CONFIRM = "confirm", "核实无误"

    record = models.ForeignKey(
        CollectedRecord, on_delete=models.PROTECT, related_name="corrections", verbose_name="信息"
    )
    origin = models.CharField("发起方式", max_length=20, choices=Origin.choices)
    objection = models.ForeignKey(
        "casework.Objection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name="公众异议",
    )
    reason = models.TextField("发现的问题")
    reviewer_department = models.CharField("审核部门", max_length=50)
    state = models.CharField(
        "办理状态", max_length=20, choices=State.choices, default=State.SUBMITTING, db_index=True
    )
    decision = models.CharField("提供部门意见", max_length=10, choices=Decision.choices, blank=True)
    proposed = models.JSONField("更正后的内容", default=dict, blank=True)
    note = models.TextField("更正说明/核实情况", blank=True)
    review_reason = models.TextField("审核意见", blank=True)
    from_version = models.PositiveIntegerField("更正前版本")
    to_version = models.PositiveIntegerField("更正后版本", null=True, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="record_corrections",
        verbose_name="更正案件",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示信息更正"
        verbose_name_plural = "公示信息更正"
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"更正 {self.record}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.SUBMITTING, self.State.REVIEWING)


class ExchangeBatch(models.Model):
    """交换批次: outbound records (registered outside this platform's area) sent together to the
    registration area's 公示系统 by 市场监管 (seed 003: 由市工商局交换至公示系统), and its receipt."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        ACKNOWLEDGED = "acknowledged", "已确认接收"
        RETURNED = "returned", "接收方退回"

    number = models.CharField("批次编号", max_length=40, unique=True)
    department = models.ForeignKey(
        "casework.Department",
        on_delete=models.PROTECT,
        related_name="exchange_batches",
        verbose_name="交换部门",
    )
    target_code = models.CharField("登记地行政区划代码", max_length=6, db_index=True)
    target_name = models.CharField("登记地", max_length=100)
    record_count = models.PositiveIntegerField("信息条数", default=0)
    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="组批人",
    )
    created_at = models.DateTimeField("组批时间", auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发送人",
    )
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="回执登记人",
    )
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    accepted_count = models.PositiveIntegerField("接收条数", default=0)
    returned_count = models.PositiveIntegerField("退回条数", default=0)
    receiver_message = models.TextField("接收方说明", blank=True)

    class Meta:
        verbose_name = "外地主体信息交换批次"
        verbose_name_plural = "外地主体信息交换批次"
        ordering = ["-created_at", "-pk"]
        permissions = [("receive_exchangebatch", "作为登记地系统接收外地主体信息交换批次")]

    def __str__(self) -> str:
        return f"{self.number}（{self.target_name}）"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.SENT)


class ExchangeItem(models.Model):
    """One record in one batch, and what the receiver answered (a returned record may be sent again
    in a later batch: each sending keeps its own row)."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", "待接收"
        ACCEPTED = "accepted", "已接收"
        RETURNED = "returned", "退回"

    batch = models.ForeignKey(
        ExchangeBatch, on_delete=models.PROTECT, related_name="items", verbose_name="批次"
    )
    record = models.ForeignKey(
        CollectedRecord, on_delete=models.PROTECT, related_name="exchange_items", verbose_name="信息"
    )
    version = models.PositiveIntegerField("发送的版本")
    outcome = models.CharField(
        "接收结果", max_length=10, choices=Outcome.choices, default=Outcome.WAITING, db_index=True
    )
    reason = models.CharField("退回原因", max_length=500, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "交换明细"
        verbose_name_plural = "交换明细"
        ordering = ["-batch__created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "record"], name="exchange_item_unique")]

    def __str__(self) -> str:
        return f"{self.batch.number} · {self.record}"


def import_storage() -> Storage:
    """Uploaded import files and their error reports: under MEDIA_ROOT (VAR_DIR/media when unset),
    never served as static files — the job's pages hand them to its own department."""
    if settings.MEDIA_ROOT:
        return FileSystemStorage()  # follows MEDIA_ROOT, also when a test overrides it
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "media")


def _upload_path(job: "ImportJob", filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return f"collection/imports/{job.created_at:%Y/%m}/{job.token}{suffix}"


def _report_path(job: "ImportJob", filename: str) -> str:
    return f"collection/imports/{job.created_at:%Y/%m}/{job.token}-errors.xlsx"


class ImportJob(models.Model):
    """批量导入: one uploaded .xlsx/.csv of one record type, imported row by row by a Celery job."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "导入失败"

    token = models.CharField("文件标识", max_length=32, unique=True, editable=False)
    provider = models.ForeignKey(
        "casework.Department",
        on_delete=models.PROTECT,
        related_name="collection_imports",
        verbose_name="提供部门",
    )
    record_type = models.CharField("信息类别", max_length=40)
    type_name = models.CharField("信息类别名称", max_length=60)
    file = models.FileField("导入文件", upload_to=_upload_path, storage=import_storage, max_length=200)
    file_name = models.CharField("原文件名", max_length=200)
    backfill = models.BooleanField("存量信息补录", default=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("数据行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    accepted = models.PositiveIntegerField("已归集", default=0)
    returned = models.PositiveIntegerField("已保存、退回补正", default=0)
    unchanged = models.PositiveIntegerField("内容未变", default=0)
    refused = models.PositiveIntegerField("无法识别、未导入", default=0)
    problems = models.JSONField(
        "问题示例", default=list, blank=True, help_text="前若干个问题行：行号、结果、字段、原因"
    )
    error_report = models.FileField(
        "错误报告", upload_to=_report_path, storage=import_storage, max_length=200, blank=True
    )
    message = models.CharField("失败原因", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="导入人",
    )
    created_at = models.DateTimeField("上传时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "批量导入"
        verbose_name_plural = "批量导入"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["provider", "created_at"], name="collection_import_provider")]

    def __str__(self) -> str:
        return f"{self.type_name}：{self.file_name}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, self.processed * 100 // self.total) if self.total else 0

    @property
    def problem_count(self) -> int:
        return self.returned + self.refused


__all__ = [
    "CollectedRecord",
    "ExchangeBatch",
    "ExchangeItem",
    "ImportJob",
    "RecordCorrection",
    "RecordFormat",
    "RecordVersion",
]
