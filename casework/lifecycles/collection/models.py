"""归集公示 records: the format spec (versioned), each enterprise-related record a department
submits, every version of it, and the reasons it was returned.

Nothing is deleted: a record withdrawn before publication keeps its row (已撤销, with the reason),
a resubmission with the same (provider, type, document number) is a new version of the record.
"""

from django.conf import settings
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


__all__ = ["CollectedRecord", "RecordFormat", "RecordVersion"]
