"""双告知 records: one Registration per 登记 event, its returns and permit feedback, and the
后置审批事项目录 (approval items and the business-scope keywords that route registrations)."""

from django.conf import settings
from django.db import models

from casework.organization.models import Sector


class Registration(models.Model):
    """A registration pushed by the registrar (idempotent by its event id); one case each."""

    class Source(models.TextChoices):
        API = "api", "接口推送"
        EXCEL = "excel", "批量导入"
        FORM = "form", "人工录入"

    event_id = models.CharField("登记事件编号", max_length=100, unique=True)
    enterprise = models.ForeignKey(
        "casework.Enterprise",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name="市场主体",
    )
    registration_authority = models.ForeignKey(
        "casework.Department", on_delete=models.PROTECT, related_name="+", verbose_name="登记机关"
    )
    division_code = models.CharField("行政区划代码", max_length=6, db_index=True)
    business_scope = models.TextField("经营范围")
    registered_on = models.DateField("登记日期")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.API)
    routing = models.JSONField("推送依据", default=dict, help_text="命中的关键词、审批事项与推送部门")
    fingerprint = models.JSONField(
        "内容指纹",
        default=dict,
        blank=True,
        help_text="首次推送时各字段规范化后的摘要：同一登记事件编号再次推送时，据此判断内容是否相同",
    )
    instance = models.OneToOneField(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registration",
        verbose_name="案件",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="接收人",
    )
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = "登记推送"
        verbose_name_plural = "登记推送"
        ordering = ["-received_at"]


class ReturnRecord(models.Model):
    """退回: a department sent the push back with a reason; the registrar then re-pushes."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="returns", verbose_name="登记"
    )
    department_code = models.CharField("退回部门", max_length=50)
    reason = models.TextField("退回理由")
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="退回人"
    )
    returned_at = models.DateTimeField(auto_now_add=True, verbose_name="退回时间")
    confirm_task = models.OneToOneField(
        "processes.HumanTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="return_record",
        verbose_name="人工确认任务",
    )
    repushed_to = models.CharField("重新推送至", max_length=50, blank=True)
    repushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="重新推送人",
    )
    repushed_at = models.DateTimeField(null=True, blank=True, verbose_name="重新推送时间")

    class Meta:
        verbose_name = "退回记录"
        verbose_name_plural = "退回记录"
        ordering = ["returned_at", "pk"]


class PermitFeedback(models.Model):
    """许可反馈: the claiming department's decision; late if given > 7 working days after it."""

    class Decision(models.TextChoices):
        GRANTED = "granted", "准予许可"
        REFUSED = "refused", "不予许可"
        NOT_REQUIRED = "not_required", "无需许可"
        NOT_APPLIED = "not_applied", "企业未申请"

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="feedback", verbose_name="登记"
    )
    department_code = models.CharField("反馈部门", max_length=50, db_index=True)
    decision = models.CharField("审批结果", max_length=20, choices=Decision.choices)
    decision_date = models.DateField("决定日期", null=True, blank=True)
    permit_number = models.CharField("许可文件编号", max_length=100, blank=True)
    permit_name = models.CharField("许可文件名称", max_length=200, blank=True)
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    permit_authority = models.CharField("许可机关", max_length=200, blank=True)
    permit_content = models.TextField("许可内容", blank=True)
    fed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="反馈人"
    )
    fed_back_at = models.DateTimeField(auto_now_add=True, verbose_name="反馈时间")
    is_late = models.BooleanField("超期反馈", default=False, help_text="决定之日起 7 个工作日后才反馈")

    class Meta:
        verbose_name = "许可反馈"
        verbose_name_plural = "许可反馈"
        ordering = ["fed_back_at", "pk"]


class ApprovalItem(models.Model):
    """One post-registration approval (后置审批事项), decided by departments of one sector."""

    code = models.CharField("事项编码", max_length=50, unique=True)
    name = models.CharField("审批事项名称", max_length=200)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="approval_items", verbose_name="审批部门类别"
    )
    legal_basis = models.TextField("设定依据", blank=True)
    keywords = models.TextField(
        "经营范围检索关键词", help_text="每行一个关键词；登记的经营范围包含任一关键词即推送到该类别的部门"
    )
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "后置审批事项"
        verbose_name_plural = "后置审批事项目录"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in self.keywords.replace("；", "\n").replace(";", "\n").splitlines():
            word = line.strip()
            if word:
                seen.setdefault(word, None)
        return list(seen)


__all__ = ["ApprovalItem", "PermitFeedback", "Registration", "ReturnRecord"]
