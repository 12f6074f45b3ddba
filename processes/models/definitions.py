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
    comment = models.CharField("部署说明", max_length=500, blank=True)
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


class ProcessDraft(models.Model):
    """A diagram being edited in the process studio: saved at will, deployed as a new version.

    ``revision`` grows at every save; a save naming an older revision is refused, so two admins
    editing one draft never silently overwrite each other.
    """

    definition = models.ForeignKey(
        ProcessDefinition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
        verbose_name="流程定义",
        help_text="导入的新流程部署前为空",
    )
    base_version = models.ForeignKey(
        ProcessVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="基于版本",
    )
    title = models.CharField("草稿名称", max_length=200)
    bpmn_xml = models.TextField("BPMN 流程图（XML）")
    revision = models.PositiveIntegerField("修订号", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="最近保存人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("保存时间", auto_now=True)
    deployed_version = models.ForeignKey(
        ProcessVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="已部署为",
    )

    class Meta:
        verbose_name = "流程草稿"
        verbose_name_plural = "流程草稿"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title
