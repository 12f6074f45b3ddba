"""双随机 reads: the 抽查事项清单 and 执法检查人员名录库 a user may see, the 检查对象名录库 of a
department's area (counts and the draw population), the inspectors and conflicts a draw uses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from casework.directory.models import Enterprise
from casework.organization.models import Department, Membership, Role
from casework.organization.permissions import UserLike, departments_in_role, is_process_admin

from . import draw
from .models import DirectoryRefresh, InspectionItem, Inspector, InspectorConflict, InspectorListConfirmation

#: Posts that keep a department's lists (事项清单, 人员名录库); inspectors see them and declare conflicts.
MANAGING_ROLES = (Role.OFFICER, Role.REVIEWER)
EXPIRY_WARNING_DAYS = 30


# --- who sees which department ---------------------------------------------------------------------


def managed_departments(user: UserLike) -> list[Department]:
    """Departments whose lists the user keeps (process admins: every department)."""
    if is_process_admin(user):
        return list(Department.objects.order_by("code"))
    codes = {code for role in MANAGING_ROLES for code in departments_in_role(user, role)}
    return list(Department.objects.filter(code__in=codes).order_by("code"))


def visible_departments(user: UserLike) -> list[Department]:
    """Departments whose lists the user may read: those they keep, and their own as an inspector."""
    if is_process_admin(user):
        return list(Department.objects.order_by("code"))
    codes = {code for role in (*MANAGING_ROLES, Role.INSPECTOR) for code in departments_in_role(user, role)}
    return list(Department.objects.filter(code__in=codes).order_by("code"))


def may_manage(user: UserLike, department: Department) -> bool:
    return is_process_admin(user) or any(
        department.code in departments_in_role(user, role) for role in MANAGING_ROLES
    )


def may_view(user: UserLike, department: Department) -> bool:
    return may_manage(user, department) or department.code in departments_in_role(user, Role.INSPECTOR)


def visible_department(user: UserLike, code: str) -> Department | None:
    department = Department.objects.filter(code=code).first()
    return department if department is not None and may_view(user, department) else None


# --- 抽查事项清单 ------------------------------------------------------------------------------


def items_of(department: Department, *, include_inactive: bool = False) -> QuerySet[InspectionItem]:
    rows = InspectionItem.objects.filter(department=department)
    return (rows if include_inactive else rows.filter(active=True)).order_by("-active", "code")


def visible_item(user: UserLike, item_id: int) -> InspectionItem | None:
    item = InspectionItem.objects.select_related("department").filter(pk=item_id).first()
    return item if item is not None and may_view(user, item.department) else None


# --- 执法检查人员名录库 --------------------------------------------------------------------------


def inspectors_of(department: Department) -> QuerySet[Inspector]:
    return (
        Inspector.objects.filter(department=department)
        .select_related("user")
        .annotate(open_conflicts=Count("conflicts", filter=Q(conflicts__withdrawn_at__isnull=True)))
        .order_by("-available", "user__first_name", "user__username")
    )


def visible_inspector(user: UserLike, inspector_id: int) -> Inspector | None:
    found = Inspector.objects.select_related("user", "department").filter(pk=inspector_id).first()
    return found if found is not None and may_view(user, found.department) else None


def certificate_state(inspector: Inspector, on: date) -> str:
    """``expired``, ``expiring`` (within 30 days) or ``valid``."""
    if inspector.certificate_valid_until < on:
        return "expired"
    if inspector.certificate_valid_until <= on + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def candidate_users(department: Department):
    """Members who may be put on the list: the department's inspectors and officers not on it yet."""
    from django.contrib.auth import get_user_model

    listed = Inspector.objects.filter(department=department).values("user_id")
    members = Membership.objects.filter(
        department=department, role__in=[Role.INSPECTOR, Role.OFFICER]
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .exclude(pk__in=listed)
        .order_by("first_name", "username")
    )


def conflicts_of(inspector: Inspector, *, include_withdrawn: bool = True) -> QuerySet[InspectorConflict]:
    rows = InspectorConflict.objects.filter(inspector=inspector).select_related("withdrawn_by")
    if not include_withdrawn:
        rows = rows.filter(withdrawn_at__isnull=True)
    return rows.order_by("withdrawn_at", "-declared_at")


def latest_confirmation(department: Department) -> InspectorListConfirmation | None:
    return (
        InspectorListConfirmation.objects.filter(department=department)
        .select_related("confirmed_by")
        .order_by("-confirmed_at")
        .first()
    )


# --- for the draw (drawing.py) -----------------------------------------------------------------------


def _codes(departments: Iterable[Department | str]) -> list[str]:
    return [d if isinstance(d, str) else d.code for d in departments]


def eligible_inspectors(departments: Iterable[Department | str], on_date: date) -> list[draw.Inspector]:
    """The inspectors a draw on ``on_date`` may pick: available, certificate valid that day, active
    account; in id order (the draw's order)."""
    holds_post = Membership.objects.filter(
        user=OuterRef("user"), department=OuterRef("department"), role=Role.INSPECTOR
    )
    rows = (
        Inspector.objects.filter(
            Exists(holds_post),  # who lost the post cannot take the inspection task
            department__code__in=_codes(departments),
            available=True,
            certificate_valid_until__gte=on_date,
            user__is_active=True,
        )
        .order_by("pk")
        .values_list("pk", "department__code")
    )
    return [draw.Inspector(id=pk, department=code) for pk, code in rows]


def conflicts(inspector_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each inspector's declared conflicts (credit codes) still in force; only those who have any."""
    found: dict[int, set[str]] = {}
    rows = InspectorConflict.objects.filter(
        inspector_id__in=list(inspector_ids), withdrawn_at__isnull=True
    ).values_list("inspector_id", "credit_code")
    for inspector_id, code in rows:
        found.setdefault(inspector_id, set()).add(code)
    return found


# --- 检查对象名录库 ----------------------------------------------------------------------------------


def _prefix(area: str) -> str:
    """The significant digits of an area code: 510000 → 51, 510800 → 5108, 510802 → 510802."""
    prefix = area.rstrip("0")
    return prefix[: max(2, len(prefix) + len(prefix) % 2)] if prefix else ""


def _area_range(area: str) -> Q:
    """Enterprises of an area, as a range on ``division_code`` (uses the index, unlike LIKE)."""
    prefix = _prefix(area)
    if not prefix.isdigit():
        return Q(pk__in=[])
    low = prefix.ljust(6, "0")
    high = str(int(prefix) + 1).rjust(len(prefix), "0").ljust(6, "0")
    return Q(division_code__gte=low, division_code__lt=high)


def jurisdiction(department: Department) -> Q:
    """The department's own 检查对象名录库: the directory's enterprises within its area."""
    return _area_range(department.division_code or "")


def _within(division: str, area: str) -> bool:
    prefix = _prefix(area)
    return bool(prefix) and division.startswith(prefix)


FILTER_KEYS = ("divisions", "kinds", "industries", "risk_classes", "statuses")


def directory(filter: dict, department: Department) -> QuerySet[Enterprise]:
    """Enterprises of the department's area matching ``filter`` (keys of ``FILTER_KEYS``, each a list;
    missing or empty = all). ``divisions`` narrow to areas inside the department's own."""
    unknown = set(filter) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown filter keys: {sorted(unknown)}")
    rows = Enterprise.objects.filter(jurisdiction(department))
    divisions = [d for d in filter.get("divisions") or [] if d]
    if divisions:
        area = department.division_code or ""
        inside = [d for d in divisions if _within(d, area) or _within(area, d)]
        narrowed = Q(pk__in=[])
        for d in inside:
            # a division above the department's area means the whole area
            narrowed |= _area_range(d if _within(d, area) else area)
        rows = rows.filter(narrowed)
    for key, field in (
        ("kinds", "kind"),
        ("industries", "industry"),
        ("risk_classes", "risk_class"),
        ("statuses", "status"),
    ):
        values = [v for v in filter.get(key) or [] if v is not None]
        if values:
            rows = rows.filter(**{f"{field}__in": values})
    return rows


def population(filter: dict, department: Department) -> QuerySet:
    """The draw's population: ``(credit_code, risk_class)`` rows ordered by credit code."""
    return directory(filter, department).order_by("credit_code").values_list("credit_code", "risk_class")


def directory_counts(filter: dict, department: Department) -> dict:
    """Counts of the filtered directory by risk class and by industry (two grouped queries)."""
    rows = directory(filter, department).order_by()
    by_risk = dict(rows.values_list("risk_class").annotate(n=Count("pk")).values_list("risk_class", "n"))
    by_industry = dict(rows.values_list("industry").annotate(n=Count("pk")).values_list("industry", "n"))
    risk_labels = dict(Enterprise.Risk.choices)
    industry_labels = dict(Enterprise.Industry.choices)
    return {
        "total": sum(by_risk.values()),
        "by_risk": [(code, risk_labels.get(code, code), by_risk.get(code, 0)) for code in draw.RISK_CLASSES],
        "by_industry": sorted(
            ((code, industry_labels.get(code, "未标注行业"), n) for code, n in by_industry.items()),
            key=lambda row: (-row[2], row[0] or "~"),
        ),
    }


def latest_refresh(department: Department) -> DirectoryRefresh | None:
    return (
        DirectoryRefresh.objects.filter(division_code=department.division_code or "")
        .order_by("-refreshed_at")
        .first()
    )
