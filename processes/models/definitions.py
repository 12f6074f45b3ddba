"""Process definitions and their deployed versions (BPMN XML stored once per version)."""

from django.conf import settings
from django.db import models


class ProcessDefinition(models.Model):
    """One BPMN process (its ``process id``), e.g. ``efficiency_supervision``."""

    key = models.CharField("流程标识", max_length=100, unique=True)
    name = models.CharField("流程名称", max_length=200)

    class Meta:
        verbose_name = "流程定义"
        verbose_name_plural = "流程定义"

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def active_version(self) -> "ProcessVersion | None":
        return self.versions.filter(is_active=True).first()


class ProcessVersion(models.Model):
    """An immutable deployed version of a definition."""

    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="versions", verbose_name="流程定义"
    )
    version = models.PositiveIntegerField("版本号")
    bpmn_xml = models.TextField("BPMN 流程图（XML）")
    sha256 = models.CharField("SHA-256 摘要", max_length=64, db_index=True)
    source_name = models.CharField("来源文件", max_length=255, blank=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="部署人",
    )
    deployed_at = models.DateTimeField("部署时间", auto_now_add=True)
    is_active = models.BooleanField("当前版本", default=False)

    class Meta:
        verbose_name = "流程版本"
        verbose_name_plural = "流程版本"
        ordering = ["definition_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "version"], name="uniq_definition_version"),
            models.UniqueConstraint(
                fields=["definition"], condition=models.Q(is_active=True), name="one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.version}"
