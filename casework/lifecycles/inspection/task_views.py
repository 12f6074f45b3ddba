"""双随机 task-page bits: the inspection panel of every task of a ``random_inspection`` case, and the
site photos it shows (served only to people who may see the case)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from casework.directory.models import Enterprise
from casework.workbench.selectors import visible_task
from processes.models import HumanTask

from . import services
from .models import FollowUp, Inspection, InspectionPhoto


def inspection_of_task(task: Any) -> Inspection | None:
    return (
        Inspection.objects.select_related("draw__task__plan__lead_department", "follow_up_department")
        .filter(instance_id=task.instance_id)
        .first()
    )


def panel(task: Any, user: Any) -> dict | None:
    inspection = inspection_of_task(task)
    if inspection is None:
        return None
    job = inspection.draw.task
    members = services.team(inspection)
    return {
        "inspection": inspection,
        "number": services.number_of(inspection),
        "enterprise": Enterprise.objects.filter(credit_code=inspection.credit_code).first(),
        "plan": job.plan,
        "job": job,
        "items": list(job.items.select_related("department").order_by("department__code", "code")),
        "team": [
            {
                "name": m.inspector.user.get_full_name() or m.inspector.user.get_username(),
                "department": m.inspector.department.name,
                "certificate": m.inspector.certificate_number,
                "role": "主检" if m.position == members[0].position else "协检",
                "confirmed_at": m.confirmed_at,
            }
            for m in members
        ],
        "photos": list(inspection.photos.order_by("uploaded_at")),
        "routed": inspection.follow_up in (FollowUp.TRANSFER, FollowUp.NOTIFY),
    }


def _may_see(user: Any, inspection: Inspection) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if inspection.members.filter(inspector__user_id=user.pk).exists():
        return True
    task_ids = HumanTask.objects.filter(instance_id=inspection.instance_id).values_list("pk", flat=True)
    return any(visible_task(user, pk) is not None for pk in task_ids)


@login_required
def photo(request, photo_id: int):
    item = get_object_or_404(InspectionPhoto.objects.select_related("inspection"), pk=photo_id)
    if not _may_see(request.user, item.inspection):
        raise Http404("找不到该照片")
    return FileResponse(item.image.open("rb"))


urlpatterns = [path("inspection/photos/<int:photo_id>/", photo, name="inspection-photo")]
