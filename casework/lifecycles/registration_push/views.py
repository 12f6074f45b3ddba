"""双告知 pages: registration entry (one by hand or an Excel batch), the registrar's 登记推送记录,
the 告知书 (page and PDF), and the 后置审批事项目录 for process admins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import Forbidden, UserFacingError
from casework.organization.models import Department
from casework.organization.permissions import is_process_admin
from casework.workbench.dates import DateField

from . import selectors
from .catalogue_import import COLUMNS as CATALOGUE_COLUMNS
from .catalogue_import import import_catalogue
from .excel_import import COLUMNS, ImportForm, RegistrationForm, import_registrations, manual_event_id
from .models import Registration
from .notice import notice_lines, notice_text, render_notice_pdf
from .services import receive_registration


def _notice_registration(request, registration_id: int) -> Registration:
    registration = selectors.notice_registration(request.user, registration_id)
    if registration is None:
        raise Http404("登记不存在或您无权查看")
    return registration


class NoticeView(LoginRequiredMixin, View):
    """告知书 as a printable page."""

    def get(self, request, registration_id: int):
        registration = _notice_registration(request, registration_id)
        return render(
            request,
            "registration_push/notice.html",
            {
                "registration": registration,
                "text": notice_text(registration),
                "lines": notice_lines(registration),
                "can_enter": bool(selectors.registrar_departments(request.user)),
            },
        )


class NoticePdfView(LoginRequiredMixin, View):
    def get(self, request, registration_id: int):
        registration = _notice_registration(request, registration_id)
        response = HttpResponse(render_notice_pdf(registration), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="notice-{registration.enterprise.credit_code}.pdf"'
        )
        return response


def _registrar_departments(user) -> list[Department]:
    departments = selectors.registrar_departments(user)
    if not departments:
        raise Http404("仅登记机关的登记人员可以录入登记信息")
    return departments


class RegistrationEntryView(LoginRequiredMixin, View):
    """登记推送录入: one registration by hand, or an Excel batch with a row-level report.

    Which authority and area the user may push for is the service's rule; a refusal comes back
    as the form's field errors (403) or as the row's error in the import report.
    """

    def get(self, request, form=None, upload=None, results=None, status: int = 200):
        authorities = _registrar_departments(request.user)
        return render(
            request,
            "registration_push/registration_entry.html",
            {
                "title": "登记推送录入",
                "authority": authorities[0],
                "form": form or RegistrationForm(authorities=authorities),
                "upload": upload or ImportForm(),
                "results": results,
                "summary": _summary(results, {"新建": "created", "重复": "duplicate", "失败": "failed"}),
                "columns": COLUMNS,
            },
            status=status,
        )

    def post(self, request):
        authorities = _registrar_departments(request.user)
        if "file" in request.FILES:
            upload = ImportForm(data=request.POST, files=request.FILES)
            if not upload.is_valid():
                return self.get(request, upload=upload, status=422)
            try:
                results = import_registrations(
                    content=request.FILES["file"].read(), authority=authorities[0], actor=request.user
                )
            except UserFacingError as exc:
                upload.add_error("file", exc.message)
                return self.get(request, upload=upload, status=422)
            return self.get(request, results=results)
        form = RegistrationForm(data=request.POST, authorities=authorities)
        if not form.is_valid():
            return self.get(request, form=form, status=422)
        v = form.cleaned_data
        try:
            registration, created = receive_registration(
                event_id=v["event_id"] or manual_event_id(),
                credit_code=v["credit_code"],
                name=v["name"],
                business_scope=v["business_scope"],
                authority_code=v["registration_authority"] or authorities[0].code,
                division_code=v["division_code"],
                registered_on=v["registered_on"],
                legal_representative=v["legal_representative"],
                address=v["address"],
                confirm_pilot_code=v["confirm_pilot_code"],
                source="form",
                actor=request.user,
            )
        except UserFacingError as exc:
            _show_on_fields(form, exc)
            return self.get(request, form=form, status=403 if isinstance(exc, Forbidden) else 422)
        pilot = "（试点期代码，已确认）" if created and registration.enterprise.credit_code_warning else ""
        messages.success(
            request,
            f"已接收：{registration.enterprise.name}" + ("" if created else "（该事件已接收过）") + pilot,
        )
        return HttpResponseRedirect(reverse("workbench:notice", args=[registration.pk]))


def _summary(results, keys: dict[str, str]) -> dict[str, int]:
    """How many report rows had each outcome, under the template's names (新建 → created …)."""
    counts = dict.fromkeys(keys.values(), 0)
    for r in results or ():
        if r.outcome in keys:
            counts[keys[r.outcome]] += 1
    return counts


def _show_on_fields(form, exc: UserFacingError) -> None:
    """The service's field-level problems on the form's fields (or above them); else its message."""
    for field, problems in exc.details.items():
        for problem in problems if isinstance(problems, list) else []:
            form.add_error(field if field in form.fields else None, problem)
    if not form.errors:
        form.add_error(None, exc.message)


class RegistrationSearchForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    registered_from = DateField(label="登记日期自", required=False)
    registered_to = DateField(label="至", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = "名称、信用代码或事件编号"


PAGE_SIZE = 20


class RegistrationListView(LoginRequiredMixin, View):
    """登记推送记录: the registrar's past registrations, each with its status per pushed
    department and its 告知书."""

    def get(self, request):
        search = RegistrationSearchForm(data=request.GET)
        search.is_valid()  # a bad date shows its error and is left out of the search
        v = search.cleaned_data
        registrations = selectors.registrations_of(
            request.user,
            q=v.get("q") or "",
            registered_from=v.get("registered_from"),
            registered_to=v.get("registered_to"),
        )
        if registrations is None:
            raise Http404("仅登记机关的登记人员可以查看登记推送记录")
        page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
        statuses = selectors.push_statuses(list(page.object_list))
        return render(
            request,
            "registration_push/registration_list.html",
            {
                "title": "登记推送记录",
                "search": search,
                "page": page,
                "rows": [(r, statuses[r.pk]) for r in page.object_list],
                "query": request.GET.copy(),
                "can_enter": bool(selectors.registrar_departments(request.user)),
            },
        )


class CatalogueView(LoginRequiredMixin, View):
    """后置审批事项目录 for process admins: browse, search, import from Excel; edit in the admin."""

    def _guard(self, request):
        if not is_process_admin(request.user):
            raise Http404("仅流程管理员可以维护审批事项目录")

    def get(self, request, results=None, error: str = "", status: int = 200):
        self._guard(request)
        q = request.GET.get("q", "").strip()
        return render(
            request,
            "registration_push/catalogue.html",
            {
                "title": "后置审批事项目录",
                "items": selectors.catalogue_items(q),
                "q": q,
                "results": results,
                "summary": _summary(results, {"新建": "created", "更新": "updated", "失败": "failed"}),
                "error": error,
                "columns": CATALOGUE_COLUMNS,
            },
            status=status,
        )

    def post(self, request):
        self._guard(request)
        upload = request.FILES.get("file")
        if upload is None:
            return self.get(request, error="请选择要导入的 Excel 文件", status=422)
        try:
            results = import_catalogue(content=upload.read(), actor=request.user)
        except UserFacingError as exc:
            return self.get(request, error=exc.message, status=422)
        return self.get(request, results=results)
