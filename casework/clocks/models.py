"""The legal-clock rule table (法定时限规则): how many (working) days a step may take, per jurisdiction.

Rules are never edited in place: a change is a new version valid from a day on, and the old one
ends the day before (``services.revise_rule``), so the table keeps its whole history and a
deadline already set keeps the rule it was set under.
"""

from django.conf import settings
from django.db import models

NATIONAL = ""  # the jurisdiction of the national default


class LegalClock(models.Model):
    class Unit(models.TextChoices):
        WORKDAY = "workday", "工作日"
        DAY = "day", "自然日"

    key = models.CharField(
        "规则键", max_length=60, db_index=True, help_text='BPMN 中 clock("push.claim") 引用的键'
    )
    title = models.CharField("时限名称", max_length=100)
    jurisdiction = models.CharField(
        "适用地区代码",
        max_length=6,
        blank=True,
        help_text="行政区划代码；留空为全国默认。案件所在地最近的上级地区的规则优先",
    )
    jurisdiction_name = models.CharField("适用地区", max_length=100, default="全国")
    days = models.PositiveIntegerField("天数")
    unit = models.CharField("计算方式", max_length=10, choices=Unit.choices, default=Unit.WORKDAY)
    legal_basis = models.CharField(
        "法律依据", max_length=300, help_text="文号与条款，如 湘商改〔2016〕7号 第五条"
    )
    basis_text = models.TextField("依据原文", blank=True)
    seed = models.CharField("来源文件", max_length=200, blank=True, help_text="规则出自哪份通知或文件")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True, help_text="含当日；留空为长期有效")
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name="修订自",
    )
    change_reason = models.CharField("修订原因", max_length=300, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )

    class Meta:
        verbose_name = "法定时限规则"
        verbose_name_plural = "法定时限规则"
        ordering = ["key", "jurisdiction", "-valid_from"]
        indexes = [models.Index(fields=["key", "jurisdiction", "valid_from"], name="legal_clock_lookup")]

    def __str__(self) -> str:
        return f"{self.title}（{self.jurisdiction_name}）{self.days}{self.get_unit_display()}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None
