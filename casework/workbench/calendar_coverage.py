"""Who hears that the holiday table (节假日安排) runs out: supervisors (督办人员) and process admins.

The engine decides which years need their 国务院办公厅 notice (:mod:`processes.calendar_coverage`);
this module says who is told: a banner at the top of every workbench page (:func:`banner`, the
context processor) and one notice per person and year (:func:`tell_supervisors_and_admins`,
registered with the engine's daily check). Admins allowed to import get a link to the import page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from casework.organization.models import Role
from casework.organization.permissions import UserLike, has_role
from notifications.services import notify_users
from processes import calendar_coverage, hooks
from processes.calendar_coverage import CoverageWarning

#: What an admin needs to open the import page (as ``processes.calendar_admin`` asks).
IMPORT_PERMISSIONS = (
    "processes.add_calendaryear",
    "processes.change_calendaryear",
    "processes.add_calendarday",
    "processes.delete_calendarday",
)


def import_url() -> str:
    return reverse("admin:processes_calendaryear_import")


def is_audience(user: UserLike) -> bool:
    """Supervisors and process admins (superusers included) see the banner and get the notice."""
    return has_role(user, Role.SUPERVISOR) or hooks.is_process_admin(user)


def may_import(user: Any) -> bool:
    return bool(user.is_staff) and user.has_perms(IMPORT_PERMISSIONS)


@dataclass
class Banner:
    warnings: list[CoverageWarning] = field(default_factory=list)
    import_url: str = ""  # set for those who may import the notice

    def __bool__(self) -> bool:
        return bool(self.warnings)


def banner_for(user: UserLike) -> Banner:
    if not getattr(user, "is_authenticated", False) or not is_audience(user):
        return Banner()
    warnings = calendar_coverage.attention()
    if not warnings:
        return Banner()
    return Banner(warnings=warnings, import_url=import_url() if may_import(user) else "")


def banner(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``calendar_banner``, worked out only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None:
        return {"calendar_banner": Banner()}
    return {"calendar_banner": SimpleLazyObject(lambda: banner_for(user))}


def audience() -> tuple[list[Any], list[Any]]:
    """(admins, supervisors): active process admins and superusers; active supervisors who are not."""
    active = get_user_model().objects.filter(is_active=True)
    admins = list(
        active.filter(Q(is_superuser=True) | Q(memberships__role=Role.PROCESS_ADMIN))
        .distinct()
        .order_by("pk")
    )
    admin_ids = {u.pk for u in admins}
    supervisors = [
        u
        for u in active.filter(memberships__role=Role.SUPERVISOR).distinct().order_by("pk")
        if u.pk not in admin_ids
    ]
    return admins, supervisors


@calendar_coverage.register_notifier
def tell_supervisors_and_admins(warning: CoverageWarning) -> list[Any]:
    """One notice per person and year (the dedupe key names the year); admins get the import link."""
    admins, supervisors = audience()
    told = []
    for users, link in ((admins, import_url()), (supervisors, "")):
        told += notify_users(
            users=users,
            kind="info",
            title=warning.title,
            body=warning.message,
            link=link,
            dedupe_key=warning.dedupe_key,
        )
    return [n.recipient for n in told]
