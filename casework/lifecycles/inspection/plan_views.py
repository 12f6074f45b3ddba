"""抽查计划 and draw pages as department staff use them, the plan case's task-page panel, and the
public (一公开) draw pages served by the portal without login.

A plan another department neither leads nor joins is "not found" (404); changing or drawing what
one may only read is refused (403).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from casework.errors import UserFacingError
from casework.organization.models import Department, Division
from casework.portal import registry as portal
from casework.workbench.refusals import show_refusal

from . import draw, drawing, plan_selectors, plans, selectors
from .models import InspectionPlan, InspectionTask
from .plan_forms import DrawForm, PlanForm, PlanTaskForm, WithdrawForm

# --- helpers -------------------------------------------------------------------------------------


def _plan_or_404(request, plan_id: int):
    plan = plan_selectors.visible_plan(request.user, plan_id)
    if plan is None:
        raise Http404("抽查计划不存在或您无权查看")
    return plan


def _task_or_404(request, task_id: int):
    task = plan_selectors.visible_task(request.user, task_id)
    if task is None:
        raise Http404("抽查任务不存在或您无权查看")
    return task


def _divisions(department) -> list[Division]:
    area = (department.division_code or "").rstrip("0")
    if not area:
        return []
    prefix = area[: max(2, len(area) + len(area) % 2)]
    return list(Division.objects.filter(code__startswith=prefix).order_by("code"))


def expected_targets(counts: dict, *, count: int | None, ratios: dict[str, str]) -> int:
    """How many targets the draw would give on these counts (the draw's own rule; a ratio not yet
    typed right counts as 0 in the preview)."""
    if count is not None:
        return min(count, counts["total"])
    by_risk = {code: n for code, _, n in counts["by_risk"]}
    usable = {}
    for risk, value in ratios.items():
        try:
            ratio = Decimal(str(value or "0"))
        except ArithmeticError:
            continue
        if Decimal(0) <= ratio <= Decimal(1):
            usable[risk] = str(ratio)
    return sum(draw.wanted_per_class(by_risk, usable).values())


def _next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- plans ---------------------------------------------------------------------------------------


class PlanListView(LoginRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "inspection/plan_list.html",
            {
                "plans": plan_selectors.visible_plans(request.user),
                "may_create": bool(plans.drafting_departments(request.user)),
            },
        )


class PlanCreateView(LoginRequiredMixin, View):
    def _lead(self, request):
        departments = plans.drafting_departments(request.user)
        if not departments:
            raise PermissionDenied("只有部门经办或审核人员可以制定抽查计划")
        return departments[0]

    def get(self, request, form=None, status: int = 200):
        lead = self._lead(request)
        return render(
            request,
            "inspection/plan_form.html",
            {"form": form or PlanForm(lead=lead), "lead": lead, "plan": None},
            status=status,
        )

    def post(self, request):
        lead = self._lead(request)
        form = PlanForm(request.POST, lead=lead)
        if form.is_valid():
            try:
                plan = plans.create_plan(actor=request.user, department=lead, values=form.values())
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已制定抽查计划 {plan.number}，请添加抽查任务")
                return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))
        return self.get(request, form=form, status=422)


class PlanDetailView(LoginRequiredMixin, View):
    def get(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        step = plan_selectors.open_step(plan)
        return render(
            request,
            "inspection/plan_detail.html",
            {
                "plan": plan,
                "departments": list(plan.departments.order_by("code")),
                "tasks": plan_selectors.tasks_of(plan),
                "may_edit": plans.may_edit(request.user, plan) and plan.state in plans.EDITABLE,
                "may_submit": plans.may_edit(request.user, plan) and plan.state == plans.State.DRAFT,
                "may_withdraw": (plans.may_edit(request.user, plan))
                and plan.state not in (plans.State.WITHDRAWN, plans.State.DONE)
                and not any(t.state != InspectionTask.State.WAITING for t in plan_selectors.tasks_of(plan)),
                "step": step,
                "return_reason": plan_selectors.last_return_reason(plan)
                if plan.state == plans.State.RETURNED
                else "",
                "history": plan_selectors.history(plan),
                "withdraw_form": WithdrawForm(),
            },
        )


class PlanEditView(LoginRequiredMixin, View):
    def get(self, request, plan_id: int, form=None, status: int = 200):
        plan = _plan_or_404(request, plan_id)
        if not plans.may_edit(request.user, plan):
            raise PermissionDenied("只有牵头部门的经办或审核人员可以修改抽查计划")
        return render(
            request,
            "inspection/plan_form.html",
            {
                "form": form or PlanForm(initial=PlanForm.initial_of(plan), lead=plan.lead_department),
                "lead": plan.lead_department,
                "plan": plan,
            },
            status=status,
        )

    def post(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        form = PlanForm(request.POST, lead=plan.lead_department)
        if form.is_valid():
            try:
                plans.update_plan(actor=request.user, plan=plan, values=form.values())
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, "已保存抽查计划")
                return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))
        return self.get(request, plan_id, form=form, status=422)


class PlanSubmitView(LoginRequiredMixin, View):
    def post(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        try:
            plans.submit(actor=request.user, plan=plan)
        except UserFacingError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, "已报批，等待牵头部门审核人员审批")
        return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))


class PlanWithdrawView(LoginRequiredMixin, View):
    def post(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请填写撤回原因")
        else:
            try:
                plans.withdraw(actor=request.user, plan=plan, reason=form.cleaned_data["reason"])
            except UserFacingError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, "已撤回抽查计划")
        return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))


# --- tasks ---------------------------------------------------------------------------------------


class _TaskFormView(LoginRequiredMixin, View):
    def _render(self, request, plan, form, task=None, status: int = 200):
        counts = selectors.directory_counts(
            {**form.target_filter(), "statuses": ["active"]}
            if form.is_bound and form.is_valid()
            else {"statuses": ["active"]},
            plan.lead_department,
        )
        return render(
            request,
            "inspection/plan_task_form.html",
            {
                "plan": plan,
                "task": task,
                "form": form,
                "counts": counts,
                "preview_url": reverse("workbench:inspection-plan-preview", args=[plan.pk]),
            },
            status=status,
        )


class PlanTaskCreateView(_TaskFormView):
    def get(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        if not plans.may_edit(request.user, plan):
            raise PermissionDenied("只有牵头部门的经办或审核人员可以修改抽查计划")
        return self._render(
            request, plan, PlanTaskForm(plan=plan, divisions=_divisions(plan.lead_department))
        )

    def post(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        form = PlanTaskForm(request.POST, plan=plan, divisions=_divisions(plan.lead_department))
        if form.is_valid():
            try:
                task = plans.add_task(actor=request.user, plan=plan, values=form.values())
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已添加抽查任务：{task.name}")
                return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))
        return self._render(request, plan, form, status=422)


class PlanTaskEditView(_TaskFormView):
    def get(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        plan = task.plan
        if not plans.may_edit(request.user, plan):
            raise PermissionDenied("只有牵头部门的经办或审核人员可以修改抽查计划")
        form = PlanTaskForm(
            initial=PlanTaskForm.initial_of(task), plan=plan, divisions=_divisions(plan.lead_department)
        )
        return self._render(request, plan, form, task=task)

    def post(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        plan = task.plan
        form = PlanTaskForm(request.POST, plan=plan, divisions=_divisions(plan.lead_department))
        if form.is_valid():
            try:
                plans.update_task(actor=request.user, task=task, values=form.values())
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已保存抽查任务：{task.name}")
                return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan.pk]))
        return self._render(request, plan, form, task=task, status=422)


class PlanTaskRemoveView(LoginRequiredMixin, View):
    def post(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        plan_id, name = task.plan_id, task.name
        try:
            plans.remove_task(actor=request.user, task=task)
        except UserFacingError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, f"已删除抽查任务：{name}")
        return HttpResponseRedirect(reverse("workbench:inspection-plan", args=[plan_id]))


class PlanPreviewView(LoginRequiredMixin, View):
    """The task form's live preview: the filtered 检查对象名录库 by risk class, the expected targets."""

    def get(self, request, plan_id: int):
        plan = _plan_or_404(request, plan_id)
        target_filter = {
            key: [v for v in request.GET.getlist(key) if v]
            for key in PlanTaskForm.FILTER_FIELDS
            if request.GET.getlist(key)
        }
        counts = selectors.directory_counts({**target_filter, "statuses": ["active"]}, plan.lead_department)
        count = None
        if request.GET.get("mode") == "count":
            try:
                count = max(0, int(request.GET.get("count") or 0))
            except ValueError:
                count = 0
        ratios = {r: request.GET.get(f"ratio_{r}", "") for r in draw.RISK_CLASSES}
        return JsonResponse(
            {
                "total": counts["total"],
                "by_risk": [{"code": c, "label": label, "count": n} for c, label, n in counts["by_risk"]],
                "expected": expected_targets(counts, count=count, ratios=ratios),
            }
        )


# --- draws ---------------------------------------------------------------------------------------


class DrawTaskView(LoginRequiredMixin, View):
    def post(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        form = DrawForm(request.POST)
        default = reverse("workbench:inspection-plan", args=[task.plan_id])
        if not form.is_valid():
            messages.error(request, "请填写见证人姓名（抽取须有见证人在场）")
            return HttpResponseRedirect(_next(request, default))
        try:
            item = plans.draw(actor=request.user, task=task, witnesses=form.cleaned_data["witnesses"])
        except UserFacingError as exc:
            show_refusal(request, exc)
            return HttpResponseRedirect(_next(request, default))
        messages.success(
            request, f"“{task.name}”已抽取 {item.inspections.count()} 户，结果摘要 {item.result_hash[:16]}…"
        )
        return HttpResponseRedirect(_next(request, reverse("workbench:inspection-draw", args=[item.pk])))


def draw_context(item) -> dict:
    """What a draw page shows (staff and public alike; the templates choose what to print)."""
    task = item.task
    params = item.parameters.get("draw", {})
    names = dict(Department.objects.values_list("code", "name"))
    return {
        "draw": item,
        "task": task,
        "plan": task.plan,
        "items": list(task.items.select_related("department")),
        "departments": list(task.departments.order_by("code")),
        "params": params,
        "department_order": [  # the draw's department order, by name (people read names, not codes)
            names.get(code, code) for code in params.get("departments", [])
        ],
        "ratios": sorted((params.get("ratios") or {}).items()),
        "target_filter": item.parameters.get("target_filter", {}),
        "drawn_on": item.parameters.get("drawn_on", ""),
        "inspector_count": len(item.parameters.get("inspectors", [])),
        "spec": (draw.__doc__ or "").strip(),
        "targets": plan_selectors.drawn_targets(item),
        "replacements": plan_selectors.replacements(item),
        "recusal_labels": draw.RECUSAL_LABELS,
    }


class DrawDetailView(LoginRequiredMixin, View):
    def get(self, request, draw_id: int, outcome=None):
        item = plan_selectors.visible_draw(request.user, draw_id)
        if item is None:
            raise Http404("抽取记录不存在或您无权查看")
        if (
            outcome is None
        ):  # the 重放核验 just run (POST, then redirect: the page's form navigation wants one)
            outcome = request.session.pop(f"draw-replay-{item.pk}", None)
        return render(request, "inspection/draw_detail.html", {**draw_context(item), "outcome": outcome})


class DrawReplayView(LoginRequiredMixin, View):
    def post(self, request, draw_id: int):
        item = plan_selectors.visible_draw(request.user, draw_id)
        if item is None:
            raise Http404("抽取记录不存在或您无权查看")
        outcome = drawing.replay(item, actor=request.user)
        request.session[f"draw-replay-{item.pk}"] = {
            "ok": outcome.ok,
            "result_hash": outcome.result_hash,
            "problems": list(outcome.problems),
        }
        return HttpResponseRedirect(reverse("workbench:inspection-draw", args=[item.pk]) + "#replay")


def _snapshot(item) -> FileResponse:
    response = FileResponse(
        item.population_file.open("rb"),
        as_attachment=True,
        filename=f"draw-{item.pk}-population.csv.gz",
        content_type="application/gzip",
    )
    return response


class DrawSnapshotView(LoginRequiredMixin, View):
    def get(self, request, draw_id: int):
        item = plan_selectors.visible_draw(request.user, draw_id)
        if item is None:
            raise Http404("抽取记录不存在或您无权查看")
        return _snapshot(item)


# --- the plan case's task page -------------------------------------------------------------------


def plan_panel(task, user) -> dict | None:
    plan = (
        InspectionPlan.objects.select_related("lead_department").filter(instance_id=task.instance_id).first()
    )
    if plan is None:
        return None
    tasks = plan_selectors.tasks_of(plan)
    return {
        "plan": plan,
        "tasks": tasks,
        "departments": list(plan.departments.order_by("code")),
        "bpmn_id": task.bpmn_id,
        "may_draw": task.bpmn_id == plans.DRAW and task.state == "open" and plans.may_draw(user, plan),
        "return_reason": plan_selectors.last_return_reason(plan) if task.bpmn_id == plans.REVISE else "",
        "undrawn": sum(1 for t in tasks if t.state == InspectionTask.State.WAITING),
        "draw_form": DrawForm(),
        "task_url": reverse("workbench:task", args=[task.pk]),
    }


# --- public (一公开): served under /gs/ by the portal, no login -------------------------------------


def public_draws(request):
    from django.core.paginator import Paginator

    page = Paginator(plan_selectors.published_draws(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "inspection/draw_public_list.html",
        {"page": page, "public_sections": portal.public_sections()},
    )


def public_draw(request, draw_id: int):
    item = plan_selectors.published_draw(draw_id)
    if item is None:
        return render(
            request,
            "portal/not_found.html",
            {"message": "没有找到该抽取记录，或该记录尚未公示。"},
            status=404,
        )
    return render(
        request,
        "inspection/draw_public.html",
        {**draw_context(item), "public_sections": portal.public_sections()},
    )


def public_snapshot(request, draw_id: int):
    item = plan_selectors.published_draw(draw_id)
    if item is None:
        raise Http404("抽取记录不存在")
    return _snapshot(item)
