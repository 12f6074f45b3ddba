"""归集公示 pages for departments: 信息归集录入 (one record by form), 归集记录 (own records), a record
with its versions, 撤销 before publication."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.models import Department

from . import correction_views, selectors, services
from .forms import RecordEntryForm, errors_into
from .models import CollectedRecord


def _provider_departments(user) -> list[Department]:
    codes = services.provider_departments(user)
    departments = list(Department.objects.filter(code__in=codes).order_by("code"))
    if not departments:
        raise Http404("仅审批、执法部门的经办或审核人员可以报送涉企信息")
    return departments


class RecordEntryView(LoginRequiredMixin, View):
    """信息归集录入: choose the type, fill its fields; the spec's validation answers field by field."""

    def get(self, request, form=None, status: int = 200):
        departments = _provider_departments(request.user)
        types = services.type_choices()
        code = request.GET.get("type") or request.POST.get("record_type") or types[0][0]
        spec = services.type_spec(code)
        form = form or RecordEntryForm(spec=spec)
        return render(
            request,
            "collection/record_entry.html",
            {"form": form, "types": types, "spec": spec, "departments": departments},
            status=status,
        )

    def post(self, request):
        departments = _provider_departments(request.user)
        code = request.POST.get("record_type", "")
        try:
            spec = services.type_spec(code)
        except UserFacingError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("workbench:record-entry"))
        form = RecordEntryForm(request.POST, spec=spec)
        provider = next((d for d in departments if d.code == request.POST.get("provider")), departments[0])
        if not form.is_valid():
            return self.get(request, form=form, status=422)
        # On a form the officer is there: the spec's problems are shown at once, nothing is saved.
        *_, errors = services.check_record(
            record_type=code,
            credit_code=form.cleaned_data["credit_code"],
            enterprise_name=form.cleaned_data["enterprise_name"],
            values=form.values(),
        )
        if errors:
            errors_into(form, errors)
            messages.error(request, f"有 {len(errors)} 处不符合格式规范，请按提示修改")
            return self.get(request, form=form, status=422)
        try:
            result = services.submit_record(
                provider=provider,
                record_type=code,
                credit_code=form.cleaned_data["credit_code"],
                enterprise_name=form.cleaned_data["enterprise_name"],
                values=form.values(),
                actor=request.user,
                channel=CollectedRecord.Channel.FORM,
                backfill=form.cleaned_data["backfill"],
                secret=form.cleaned_data["secret"],
                sensitive=form.cleaned_data["sensitive"],
            )
        except UserFacingError as exc:
            errors_into(form, {k: str(v) for k, v in (exc.details or {}).items()} or {"__all__": exc.message})
            messages.error(request, exc.message)
            return self.get(request, form=form, status=422)
        item = result.record
        if item.errors:
            messages.warning(
                request, f"已保存，但未通过格式校验：已转为“补正”任务，请按提示修改（{len(item.errors)} 处）"
            )
        elif result.outcome == "unchanged":
            messages.info(request, "内容与已报送的相同，未产生新版本")
        else:
            messages.success(request, f"已报送：{item}（{item.get_state_display()}）")
        return HttpResponseRedirect(reverse("workbench:record", args=[item.pk]))


class RecordFilter(forms.Form):
    q = forms.CharField(label="主体名称/代码/文号", required=False, max_length=100)
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *CollectedRecord.State.choices]
    )
    record_type = forms.ChoiceField(label="类别", required=False, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "全部"), *services.type_choices()]  # type: ignore[attr-defined]


class RecordListView(LoginRequiredMixin, View):
    """归集记录: the department's own records (state, lateness, versions)."""

    def get(self, request):
        search = RecordFilter(request.GET or None)
        filters = search.cleaned_data if search.is_valid() else {}
        rows = selectors.record_list(
            request.user,
            state=filters.get("state", ""),
            record_type=filters.get("record_type", ""),
            q=(filters.get("q") or "").strip(),
        )
        page = Paginator(rows, 20).get_page(request.GET.get("page"))
        return render(
            request,
            "collection/record_list.html",
            {
                "search": search,
                "page": page,
                "rows": page.object_list,
                "can_enter": bool(services.provider_departments(request.user)),
            },
        )


def _record_or_404(request, record_id: int) -> CollectedRecord:
    item = selectors.visible_record(request.user, record_id)
    if item is None:
        raise Http404("信息不存在或您无权查看")
    return item


class RecordDetailView(LoginRequiredMixin, View):
    def get(self, request, record_id: int):
        item = _record_or_404(request, record_id)
        spec = services.type_spec(item.record_type)
        labels = {f["name"]: f.get("label", f["name"]) for f in spec.get("fields", [])}
        return render(
            request,
            "collection/record_detail.html",
            {
                "item": item,
                "values": selectors.labelled(spec, item.values),
                "errors": [(labels.get(k, k), v) for k, v in (item.errors or {}).items()],
                "versions": selectors.versions_of(item),
                "may_withdraw": item.state in services.OPEN_STATES
                and services.may_manage(request.user, item),
                **correction_views.record_context(request.user, item),
            },
        )


class RecordWithdrawView(LoginRequiredMixin, View):
    def post(self, request, record_id: int):
        item = _record_or_404(request, record_id)
        try:
            services.withdraw_record(item=item, reason=request.POST.get("reason", ""), actor=request.user)
            messages.success(request, "已撤销：记录与原因已保留")
        except UserFacingError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:record", args=[item.pk]))
