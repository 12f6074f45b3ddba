"""市场主体: the registrar's directory of enterprises, keyed by 统一社会信用代码."""

from django.db import models


class Enterprise(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        INDIVIDUAL = "individual", "个体工商户"
        COOPERATIVE = "cooperative", "农民专业合作社"

    class Status(models.TextChoices):
        ACTIVE = "active", "存续"
        CANCELLED = "cancelled", "注销"
        REVOKED = "revoked", "吊销"

    class Risk(models.TextChoices):
        A = "A", "A 类（低风险）"
        B = "B", "B 类"
        C = "C", "C 类"
        D = "D", "D 类（高风险）"

    class Industry(models.TextChoices):
        """国民经济行业分类 (GB/T 4754-2017) 门类."""

        A = "A", "农、林、牧、渔业"
        B = "B", "采矿业"
        C = "C", "制造业"
        D = "D", "电力、热力、燃气及水生产和供应业"
        E = "E", "建筑业"
        F = "F", "批发和零售业"
        G = "G", "交通运输、仓储和邮政业"
        H = "H", "住宿和餐饮业"
        I = "I", "信息传输、软件和信息技术服务业"  # noqa: E741  the standard's letter
        J = "J", "金融业"
        K = "K", "房地产业"
        L = "L", "租赁和商务服务业"
        M = "M", "科学研究和技术服务业"
        N = "N", "水利、环境和公共设施管理业"
        O = "O", "居民服务、修理和其他服务业"  # noqa: E741
        P = "P", "教育"
        Q = "Q", "卫生和社会工作"
        R = "R", "文化、体育和娱乐业"
        S = "S", "公共管理、社会保障和社会组织"
        T = "T", "国际组织"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    credit_code_warning = models.CharField(
        "代码校验提示",
        max_length=200,
        blank=True,
        help_text="登记机关推送但未通过校验的早期试点代码，保留并标记",
    )
    registration_number = models.CharField("注册号（15 位，旧）", max_length=15, blank=True, db_index=True)
    name = models.CharField("名称", max_length=200, db_index=True)
    kind = models.CharField("主体类型", max_length=20, choices=Kind.choices)
    legal_representative = models.CharField("法定代表人/经营者", max_length=100, blank=True)
    address = models.CharField("住所/经营场所", max_length=300, blank=True)
    business_scope = models.TextField("经营范围", blank=True)
    registration_authority = models.ForeignKey(
        "casework.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="登记机关",
    )
    division_code = models.CharField("行政区划代码", max_length=6, db_index=True)
    status = models.CharField("登记状态", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    risk_class = models.CharField("风险分类", max_length=1, choices=Risk.choices, default=Risk.B)
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="入库时间")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"
        ordering = ["name"]
        # 检查对象名录库: counts by risk class and industry within an area (an index-only scan)
        indexes = [
            models.Index(
                fields=["division_code", "status", "kind", "risk_class", "industry"],
                name="enterprise_directory",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"
