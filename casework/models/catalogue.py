"""后置审批事项目录: approval items and the business-scope keywords that route registrations."""

from django.db import models

from .organization import Sector


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
    updated_at = models.DateTimeField(auto_now=True)

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
