"""Who works where: sectors (职能类别), departments by administrative level, officers' posts."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "经办人员"
    REVIEWER = "reviewer", "审核人员"
    SUPERVISOR = "supervisor", "督办人员"
    PROCESS_ADMIN = "process_admin", "流程管理员"
    INSPECTOR = "inspector", "检查人员"
    REGISTRAR = "registrar", "登记人员"


class Sector(models.Model):
    """A functional sector (职能类别), e.g. 卫生健康; approval items name the sector that decides them."""

    code = models.CharField("类别代码", max_length=30, unique=True)
    name = models.CharField("类别名称", max_length=100)

    class Meta:
        verbose_name = "职能类别"
        verbose_name_plural = "职能类别"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DepartmentQuerySet(models.QuerySet):
    def approving(self) -> "DepartmentQuerySet":
        """Departments that decide permits: approval departments and industry regulators."""
        return self.filter(kind__in=APPROVING_KINDS)


class Department(models.Model):
    """A government department at one administrative level (省/市/县)."""

    class Kind(models.TextChoices):
        REGISTRAR = "registrar", "市场监管（登记机关）"
        APPROVAL = "approval", "审批部门"
        INDUSTRY = "industry", "行业主管部门"
        SUPERVISION = "supervision", "效能督查机构"

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    code = models.CharField("部门代码", max_length=50, unique=True)
    name = models.CharField("部门名称", max_length=200)
    kind = models.CharField("部门类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级部门",
    )
    division_code = models.CharField("行政区划代码", max_length=6, blank=True, db_index=True)
    level = models.CharField("行政层级", max_length=10, choices=Level.choices, blank=True, db_index=True)
    sector = models.ForeignKey(
        Sector,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name="职能类别",
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approving(self) -> bool:
        return self.kind in APPROVING_KINDS


APPROVING_KINDS = (Department.Kind.APPROVAL, Department.Kind.INDUSTRY)


class Division(models.Model):
    """An administrative area (行政区划): 四川省, 广元市, 利州区 … with its superior area."""

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("行政层级", max_length=10, choices=Department.Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An officer's post: which department they work for, in which role (岗位)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="人员"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="memberships", verbose_name="部门"
    )
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


__all__ = ["APPROVING_KINDS", "Department", "Division", "Membership", "Role", "Sector"]
