"""双告知 reads: re-push choices, a registration for its task page and its 告知书."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from casework.organization.models import Department
from casework.organization.permissions import is_process_admin, posts

from .models import ApprovalItem, Registration


def repush_choices() -> QuerySet[Department]:
    return Department.objects.approving().order_by("division_code", "code")


def registration_of_case(instance: Any) -> Registration | None:
    return (
        Registration.objects.select_related("enterprise", "registration_authority")
        .prefetch_related("returns")
        .filter(instance=instance)
        .first()
    )


def notice_registration(user: Any, registration_id: int) -> Registration | None:
    """The registrar of the registering authority (or a process admin) may print its 告知书."""
    registration = (
        Registration.objects.select_related("enterprise", "registration_authority")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return None
    if (registration.registration_authority.code, "registrar") in posts(user) or is_process_admin(user):
        return registration
    return None


def registrar_departments(user: Any) -> list[Department]:
    """The registration authorities the user works for, the first one the entry page's default."""
    codes = [code for code, role in posts(user) if role == "registrar"]
    return list(Department.objects.filter(code__in=codes, kind=Department.Kind.REGISTRAR).order_by("code"))


def catalogue_items(q: str = "") -> QuerySet[ApprovalItem]:
    items = ApprovalItem.objects.select_related("sector").order_by("code")
    if q:
        items = items.filter(Q(name__icontains=q) | Q(keywords__icontains=q) | Q(code__icontains=q))
    return items
