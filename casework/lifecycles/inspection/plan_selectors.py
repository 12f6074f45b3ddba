"""Reads of 抽查计划 and draws: which plans a user sees, a plan's open step, the published draws."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from casework.organization.permissions import is_process_admin, posts
from processes.models import AuditEvent, HumanTask

from .models import Draw, DrawReplacement, Inspection, InspectionMember, InspectionPlan, InspectionTask


def _codes(user) -> set[str]:
    return {code for code, _ in posts(user)}


def visible_plans(user) -> QuerySet[InspectionPlan]:
    """Plans of the user's departments as lead, and joint plans they take part in; admins all."""
    rows = InspectionPlan.objects.select_related("lead_department").annotate(
        task_count=Count("tasks", distinct=True)
    )
    if is_process_admin(user):
        return rows.order_by("-created_at", "-pk")
    codes = _codes(user)
    return (
        rows.filter(Q(lead_department__code__in=codes) | Q(departments__code__in=codes))
        .distinct()
        .order_by("-created_at", "-pk")
    )


def visible_plan(user, plan_id: int) -> InspectionPlan | None:
    return visible_plans(user).filter(pk=plan_id).first()


def visible_task(user, task_id: int) -> InspectionTask | None:
    task = InspectionTask.objects.select_related("plan__lead_department").filter(pk=task_id).first()
    if task is None or visible_plan(user, task.plan_id) is None:
        return None
    return task


def visible_draw(user, draw_id: int) -> Draw | None:
    item = Draw.objects.select_related("task__plan__lead_department", "operator").filter(pk=draw_id).first()
    if item is None or visible_plan(user, item.task.plan_id) is None:
        return None
    return item


def tasks_of(plan: InspectionPlan) -> list[InspectionTask]:
    return list(
        plan.tasks.prefetch_related("items__department", "departments")
        .select_related("draw")
        .annotate(target_count=Count("draw__inspections"))
        .order_by("pk")
    )


def open_step(plan: InspectionPlan) -> HumanTask | None:
    if plan.instance_id is None:
        return None
    return (
        HumanTask.objects.filter(instance_id=plan.instance_id, state=HumanTask.State.OPEN)
        .order_by("-pk")
        .first()
    )


def history(plan: InspectionPlan) -> list[AuditEvent]:
    """The plan's audit rows (drafting before the case, the case's steps after)."""
    return list(
        AuditEvent.objects.filter(action__startswith="inspection_plan_", payload__plan_id=plan.pk)
        .select_related("actor")
        .order_by("pk")
    )


def last_return_reason(plan: InspectionPlan) -> str:
    event = (
        AuditEvent.objects.filter(action="inspection_plan_returned", payload__plan_id=plan.pk)
        .order_by("-pk")
        .first()
    )
    return str(event.payload.get("reason", "")) if event else ""


# --- a draw as staff and the public read it ---------------------------------------------------------


def drawn_targets(item: Draw) -> list[Inspection]:
    return list(
        Inspection.objects.filter(draw=item)
        .prefetch_related("members__inspector__user", "members__inspector__department")
        .order_by("position")
    )


def replacements(item: Draw) -> list[DrawReplacement]:
    return list(
        DrawReplacement.objects.filter(draw=item)
        .select_related("inspection", "inspector__user", "inspector__department")
        .order_by("inspection__position", "pk")
    )


def team_sizes(item: Draw) -> int:
    return InspectionMember.objects.filter(inspection__draw=item).count()


def published_draws() -> QuerySet[Draw]:
    """Draws the public sees: every draw of a plan that was approved (a draw needs one)."""
    return (
        Draw.objects.filter(task__plan__state__in=[InspectionPlan.State.APPROVED, InspectionPlan.State.DONE])
        .select_related("task__plan__lead_department")
        .annotate(targets=Count("inspections"))
        .order_by("-drawn_at", "-pk")
    )


def published_draw(draw_id: int) -> Draw | None:
    return published_draws().filter(pk=draw_id).first()
