"""双随机 两库 and the 抽查事项清单, as a department's staff use them.

Each page works on one department: the user's own (a choice when they hold posts in several;
process admins choose any). Another department's list, item or inspector is "not found" (404);
changing what one may only read is refused (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.models import Department, Division
from casework.workbench.refusals import show_refusal

from . import directories, selectors
from .directory_forms import (
    AddInspectorForm,
    ConflictForm,
    DirectoryFilter,
    InspectorFields,
    ItemForm,
    UnavailableForm,
)
from .models import InspectorConflict


def _department(request, *, manage: bool = False) -> tuple[Department, list[Department]]:
    """The department the page is about (``?department=``, else the user's first) and the choice."""
    choices = (
        selectors.managed_departments(request.user) if manage else selectors.visible_departments(request.user)
    )
    if not choices:
        if manage and selectors.visible_departments(request.user):
            raise PermissionDenied("只能由本部门的经办或审核人员维护名录与清单")
        raise Http404("仅本部门的经办、审核或检查人员可以查看")
    code = request.GET.get("department") or request.POST.get("department")
    if code:
        chosen = next((d for d in choices if d.code == code), None)
        if chosen is None:
            if manage and selectors.visible_department(request.user, code) is not None:
                raise PermissionDenied("只能维护本部门的名录与清单")
            raise Http404("部门不存在或您无权查看")
        return chosen, choices
    return choices[0], choices


def _with_department(url: str, department: Department) -> str:
    return f"{url}?department={department.code}"


# --- 抽查事项清单 ------------------------------------------------------------------------------


class ItemListView(LoginRequiredMixin, View):
    def get(self, request):
        department, choices = _department(request)
        return render(
            request,
            "inspection/item_list.html",
            {
                "department": department,
                "choices": choices,
                "items": selectors.items_of(department, include_inactive=True),
                "may_manage": selectors.may_manage(request.user, department),
            },
        )


class ItemCreateView(LoginRequiredMixin, View):
    def get(self, request, form=None, status: int = 200):
        department, choices = _department(request, manage=True)
        return render(
            request,
            "inspection/item_form.html",
            {"form": form or ItemForm(), "department": department, "choices": choices, "item": None},
            status=status,
        )

    def post(self, request):
        department, _ = _department(request, manage=True)
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                item = directories.create_item(
                    department=department, values=form.cleaned_data, actor=request.user
                )
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已添加抽查事项：{item.name}")
                return HttpResponseRedirect(
                    _with_department(reverse("workbench:inspection-items"), department)
                )
        return self.get(request, form=form, status=422)


def _item_or_404(request, item_id: int):
    item = selectors.visible_item(request.user, item_id)
    if item is None:
        raise Http404("抽查事项不存在或您无权查看")
    return item


class ItemEditView(LoginRequiredMixin, View):
    def get(self, request, item_id: int, form=None, status: int = 200):
        item = _item_or_404(request, item_id)
        may_manage = selectors.may_manage(request.user, item.department)
        return render(
            request,
            "inspection/item_form.html",
            {
                "form": form or ItemForm(initial=ItemForm.initial_of(item)),
                "department": item.department,
                "item": item,
                "may_manage": may_manage,
                "read_only": not may_manage,
            },
            status=status,
        )

    def post(self, request, item_id: int):
        item = _item_or_404(request, item_id)
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                directories.update_item(item=item, values=form.cleaned_data, actor=request.user)
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已保存抽查事项：{item.name}")
                return HttpResponseRedirect(
                    _with_department(reverse("workbench:inspection-items"), item.department)
                )
        return self.get(request, item_id, form=form, status=422)


class ItemActiveView(LoginRequiredMixin, View):
    def post(self, request, item_id: int):
        item = _item_or_404(request, item_id)
        active = request.POST.get("active") == "1"
        try:
            directories.set_item_active(item=item, active=active, actor=request.user)
        except UserFacingError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, f"已{'恢复启用' if active else '停用'}：{item.name}")
        return HttpResponseRedirect(_with_department(reverse("workbench:inspection-items"), item.department))


# --- 执法检查人员名录库 --------------------------------------------------------------------------


class InspectorListView(LoginRequiredMixin, View):
    def get(self, request):
        department, choices = _department(request)
        today = directories.today()
        rows = [(i, selectors.certificate_state(i, today)) for i in selectors.inspectors_of(department)]
        return render(
            request,
            "inspection/inspector_list.html",
            {
                "department": department,
                "choices": choices,
                "rows": rows,
                "eligible": len(selectors.eligible_inspectors([department], today)),
                "confirmation": selectors.latest_confirmation(department),
                "reminder": directories.open_reminder(department),
                "rule": directories.refresh_rule(department, today),
                "may_manage": selectors.may_manage(request.user, department),
            },
        )


class InspectorCreateView(LoginRequiredMixin, View):
    def get(self, request, form=None, status: int = 200):
        department, choices = _department(request, manage=True)
        form = form or AddInspectorForm(candidates=selectors.candidate_users(department))
        return render(
            request,
            "inspection/inspector_form.html",
            {"form": form, "department": department, "choices": choices},
            status=status,
        )

    def post(self, request):
        department, _ = _department(request, manage=True)
        form = AddInspectorForm(request.POST, candidates=selectors.candidate_users(department))
        if form.is_valid():
            try:
                inspector = directories.add_inspector(
                    department=department,
                    user=form.cleaned_data["user"],
                    values=form.cleaned_data,
                    actor=request.user,
                )
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, f"已列入名录库：{inspector.user.get_full_name() or inspector.user}")
                return HttpResponseRedirect(reverse("workbench:inspection-inspector", args=[inspector.pk]))
        return self.get(request, form=form, status=422)


def _inspector_or_404(request, inspector_id: int):
    found = selectors.visible_inspector(request.user, inspector_id)
    if found is None:
        raise Http404("人员不存在或您无权查看")
    return found


class InspectorDetailView(LoginRequiredMixin, View):
    def get(self, request, inspector_id: int, form=None, conflict_form=None, status: int = 200):
        inspector = _inspector_or_404(request, inspector_id)
        may_manage = selectors.may_manage(request.user, inspector.department)
        return render(
            request,
            "inspection/inspector_detail.html",
            {
                "inspector": inspector,
                "department": inspector.department,
                "certificate": selectors.certificate_state(inspector, directories.today()),
                "may_manage": may_manage,
                "may_declare": directories.may_declare(request.user, inspector),
                "form": form or InspectorFields(initial=InspectorFields.initial_of(inspector)),
                "unavailable_form": UnavailableForm(),
                "conflict_form": conflict_form or ConflictForm(),
                "conflicts": selectors.conflicts_of(inspector),
            },
            status=status,
        )

    def post(self, request, inspector_id: int):
        inspector = _inspector_or_404(request, inspector_id)
        form = InspectorFields(request.POST)
        if form.is_valid():
            try:
                directories.update_inspector(
                    inspector=inspector, values=form.cleaned_data, actor=request.user
                )
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, "已保存")
                return HttpResponseRedirect(reverse("workbench:inspection-inspector", args=[inspector.pk]))
        return self.get(request, inspector_id, form=form, status=422)


class InspectorAvailabilityView(LoginRequiredMixin, View):
    def post(self, request, inspector_id: int):
        inspector = _inspector_or_404(request, inspector_id)
        available = request.POST.get("available") == "1"
        try:
            directories.set_availability(
                inspector=inspector,
                available=available,
                reason=request.POST.get("reason", ""),
                actor=request.user,
            )
        except UserFacingError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, "已恢复可参与抽查" if available else "已标记为不可参与抽查")
        return HttpResponseRedirect(reverse("workbench:inspection-inspector", args=[inspector.pk]))


class ConflictDeclareView(LoginRequiredMixin, View):
    def post(self, request, inspector_id: int):
        inspector = _inspector_or_404(request, inspector_id)
        form = ConflictForm(request.POST)
        if form.is_valid():
            try:
                directories.declare_conflict(
                    inspector=inspector,
                    credit_code=form.cleaned_data["credit_code"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except UserFacingError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, "已申报回避：抽取时不会选派该人员检查此主体")
                return HttpResponseRedirect(reverse("workbench:inspection-inspector", args=[inspector.pk]))
        return InspectorDetailView().get(request, inspector_id, conflict_form=form, status=422)


class ConflictWithdrawView(LoginRequiredMixin, View):
    def post(self, request, conflict_id: int):
        conflict = (
            InspectorConflict.objects.select_related("inspector__department").filter(pk=conflict_id).first()
        )
        if conflict is None or not selectors.may_view(request.user, conflict.inspector.department):
            raise Http404("回避申报不存在或您无权查看")
        try:
            directories.withdraw_conflict(conflict=conflict, actor=request.user)
        except UserFacingError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, "已撤回回避申报（记录保留）")
        return HttpResponseRedirect(reverse("workbench:inspection-inspector", args=[conflict.inspector_id]))


# --- 检查对象名录库 ----------------------------------------------------------------------------------


class DirectoryView(LoginRequiredMixin, View):
    def get(self, request):
        department, choices = _department(request)
        area = department.division_code or ""
        prefix = selectors._prefix(area)
        divisions = list(Division.objects.filter(code__startswith=prefix).order_by("code")) if prefix else []
        search = DirectoryFilter(request.GET or None, divisions=divisions)
        chosen = search.as_filter()
        counts = selectors.directory_counts(chosen, department)
        area_name = next((d.name for d in divisions if d.code == area), area)
        return render(
            request,
            "inspection/directory_counts.html",
            {
                "department": department,
                "choices": choices,
                "search": search,
                "counts": counts,
                "area_name": area_name,
                "refresh": selectors.latest_refresh(department),
                "filtered": bool(chosen),
            },
        )


def confirm_panel(task) -> dict | None:
    """The 确认名录库 task page: the list as it stands, what to check, where to change it."""
    department = Department.objects.filter(code=task.candidate_department).first()
    if department is None:
        return None
    today = directories.today()
    rows = [(i, selectors.certificate_state(i, today)) for i in selectors.inspectors_of(department)]
    return {
        "department": department,
        "rows": rows,
        "eligible": len(selectors.eligible_inspectors([department], today)),
        "confirmation": selectors.latest_confirmation(department),
    }
