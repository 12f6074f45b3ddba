"""Officer and supervisor pages: parse the request, check access, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from processes import engine
from processes.errors import EngineError, NotAllowed, StepFailed
from processes.models import HumanTask

from . import selectors
from .inbox_filters import InboxFilterForm
from .permissions import has_role, posts
from .task_forms import form_for

PAGE_SIZE = 20

LISTS = {
    "queue": ("部门待认领", selectors.department_queue),
    "mine": ("我的待办", selectors.my_tasks),
    "overdue": ("超期/临期", selectors.overdue_tasks),
    "done": ("已办", selectors.done_tasks),
}


class TaskListView(LoginRequiredMixin, View):
    """One of the four inbox lists; reads only the HumanTask projection."""

    list_name = "queue"

    def get(self, request):
        title, selector = LISTS[self.list_name]
        filters = InboxFilterForm(data=request.GET or None)
        default_sort = (
            "-received" if self.list_name == "done" else ("due" if self.list_name != "queue" else "received")
        )
        filtered = any(value for key, value in request.GET.items() if key != "page")
        tasks = (
            filters.apply(selector(request.user), default_sort=default_sort)
            if filtered
            else selectors.DepartmentQueue(request.user)
            if self.list_name == "queue"
            else selector(request.user)
        )
        page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "casework/task_list.html",
            {
                "title": title,
                "list_name": self.list_name,
                "page": page,
                "now": timezone.now(),
                "counts": selectors.counts(request.user),
                "has_posts": bool(posts(request.user)),
                "filters": filters if request.GET else InboxFilterForm(),
                "query": request.GET.copy(),
            },
        )


class HomeView(LoginRequiredMixin, View):
    def get(self, request):
        if has_role(request.user, "supervisor"):
            return HttpResponseRedirect(reverse("workbench:escalations"))
        return HttpResponseRedirect(reverse("workbench:queue"))


def _task_or_404(request, task_id: int) -> HumanTask:
    task = selectors.visible_task(request.user, task_id)
    if task is None:
        raise Http404("任务不存在或您无权查看")
    return task


class TaskDetailView(LoginRequiredMixin, View):
    """Task page: case facts, timeline, the form (for the assignee)."""

    def get(self, request, task_id: int, form=None, status: int = 200):
        task = _task_or_404(request, task_id)
        form_class = form_for(task.case_type, task.bpmn_id)
        if form is None and form_class is not None:
            form = form_class(human_task=task)
        instance = task.instance
        registration = (
            getattr(instance, "registration", None) if instance.case_type == "registration_push" else None
        )
        return render(
            request,
            "casework/task_detail.html",
            {
                "task": task,
                "instance": instance,
                "form": form if task.is_open and task.assignee_id == request.user.pk else None,
                "timeline": selectors.case_timeline(instance),
                "escalations": task.escalations.select_related("decided_by").order_by("level"),
                "parent_task": instance.parent_task,
                "registration": registration,
                "current_steps": ",".join(
                    instance.human_tasks.filter(state=HumanTask.State.OPEN).values_list("bpmn_id", flat=True)
                ),
                "now": timezone.now(),
            },
            status=status,
        )


class TaskActionView(LoginRequiredMixin, View):
    """POST claim / release / complete; errors come back as a message, nothing is lost."""

    action = "claim"

    def post(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        try:
            if self.action == "claim":
                engine.claim_task(task_id=task.pk, user=request.user)
                messages.success(request, f"已认领：{task.name}")
            elif self.action == "release":
                engine.release_task(task_id=task.pk, user=request.user)
                messages.success(request, f"已退回部门待认领：{task.name}")
                return HttpResponseRedirect(reverse("workbench:mine"))
            else:
                return self._complete(request, task)
        except EngineError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:task", args=[task.pk]))

    def _complete(self, request, task: HumanTask):
        form_class = form_for(task.case_type, task.bpmn_id)
        data = request.POST.dict()
        data.pop("csrfmiddlewaretoken", None)
        if form_class is not None:
            form = form_class(data=request.POST, human_task=task)
            if not form.is_valid():
                messages.error(request, "提交内容有误，请按提示修改")
                return TaskDetailView().get(request, task.pk, form=form, status=422)
        try:
            engine.complete_task(task_id=task.pk, user=request.user, data=data)
        except StepFailed as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("workbench:task", args=[task.pk]))
        messages.success(request, f"已办结：{task.name}")
        return HttpResponseRedirect(reverse("workbench:mine"))


class EscalationListView(LoginRequiredMixin, View):
    """督办台账: escalations for the supervisor's supervision department."""

    def get(self, request):
        if not has_role(request.user, "supervisor"):
            raise Http404("仅督办人员可以查看")
        page = Paginator(selectors.escalations_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "casework/escalation_list.html",
            {"page": page, "counts": selectors.counts(request.user), "now": timezone.now()},
        )


class StartDemoCaseView(LoginRequiredMixin, View):
    """发起事项 (demo process): a registrar pushes an item to a department with a deadline."""

    def _guard(self, request):
        if not has_role(request.user, "registrar"):
            raise Http404("仅登记人员可以发起事项")

    def get(self, request, form=None, status: int = 200):
        self._guard(request)
        from .start_forms import DemoCaseForm

        return render(request, "casework/start_case.html", {"form": form or DemoCaseForm()}, status=status)

    def post(self, request):
        self._guard(request)
        from .services import start_demo_case
        from .start_forms import DemoCaseForm

        form = DemoCaseForm(data=request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=422)
        try:
            instance = start_demo_case(actor=request.user, **form.cleaned_data)
        except EngineError as exc:
            messages.error(request, exc.message)
            return self.get(request, form=form, status=422)
        messages.success(request, f"已推送：{instance.title}")
        return HttpResponseRedirect(reverse("workbench:start"))


class BulkClaimView(LoginRequiredMixin, View):
    """批量认领: each task is claimed through the engine, which checks the user's post."""

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("task") if i.isdecimal() and len(i) <= 18]
        claimed, failed = 0, []
        for task_id in ids:
            task = selectors.visible_task(request.user, task_id)
            if task is None:
                failed.append(f"#{task_id}：任务不存在或您无权查看")
                continue
            try:
                engine.claim_task(task_id=task.pk, user=request.user)
                claimed += 1
            except EngineError as exc:
                failed.append(f"{task.subject_name or task.case_title}：{exc.message}")
        if claimed:
            messages.success(request, f"已认领 {claimed} 件")
        for line in failed:
            messages.error(request, line)
        if not ids:
            messages.error(request, "请先勾选要认领的任务")
        return HttpResponseRedirect(reverse("workbench:queue"))


def _notice_registration(request, registration_id: int):
    """The registrar of the registering authority (or a process admin) may print its 告知书."""
    from .models import Registration
    from .permissions import is_process_admin

    registration = (
        Registration.objects.select_related("enterprise", "registration_authority")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not (
        (registration.registration_authority.code, "registrar") in posts(request.user)
        or is_process_admin(request.user)
    ):
        raise Http404("登记不存在或您无权查看")
    return registration


class NoticeView(LoginRequiredMixin, View):
    """告知书 as a printable page."""

    def get(self, request, registration_id: int):
        from .notice import notice_lines, notice_text

        registration = _notice_registration(request, registration_id)
        return render(
            request,
            "casework/notice.html",
            {
                "registration": registration,
                "text": notice_text(registration),
                "lines": notice_lines(registration),
            },
        )


class NoticePdfView(LoginRequiredMixin, View):
    def get(self, request, registration_id: int):
        from django.http import HttpResponse

        from .notice import render_notice_pdf

        registration = _notice_registration(request, registration_id)
        response = HttpResponse(render_notice_pdf(registration), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="notice-{registration.enterprise.credit_code}.pdf"'
        )
        return response


def _registrar_departments(user) -> list:
    """The registration authorities the user works for, the first one the page's default."""
    from .models import Department

    codes = [code for code, role in posts(user) if role == "registrar"]
    departments = list(
        Department.objects.filter(code__in=codes, kind=Department.Kind.REGISTRAR).order_by("code")
    )
    if not departments:
        raise Http404("仅登记机关的登记人员可以录入登记信息")
    return departments


class RegistrationEntryView(LoginRequiredMixin, View):
    """登记推送录入: one registration by hand, or an Excel batch with a row-level report.

    Which authority and area the user may push for is the service's rule; a refusal comes back
    as the form's field errors (403) or as the row's error in the import report.
    """

    def get(self, request, form=None, upload=None, results=None, status: int = 200):
        from .registration_import import COLUMNS, ImportForm, RegistrationForm

        authorities = _registrar_departments(request.user)
        return render(
            request,
            "casework/registration_entry.html",
            {
                "title": "登记推送录入",
                "authority": authorities[0],
                "form": form or RegistrationForm(authorities=authorities),
                "upload": upload or ImportForm(),
                "results": results,
                "columns": COLUMNS,
            },
            status=status,
        )

    def post(self, request):
        from .registration_import import ImportForm, RegistrationForm, import_registrations, manual_event_id
        from .registrations import receive_registration

        authorities = _registrar_departments(request.user)
        if "file" in request.FILES:
            upload = ImportForm(data=request.POST, files=request.FILES)
            if not upload.is_valid():
                return self.get(request, upload=upload, status=422)
            try:
                results = import_registrations(
                    content=request.FILES["file"].read(), authority=authorities[0], actor=request.user
                )
            except EngineError as exc:
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
                source="form",
                actor=request.user,
            )
        except EngineError as exc:
            _show_on_fields(form, exc)
            return self.get(request, form=form, status=403 if isinstance(exc, NotAllowed) else 422)
        messages.success(
            request, f"已接收：{registration.enterprise.name}" + ("" if created else "（该事件已接收过）")
        )
        return HttpResponseRedirect(reverse("workbench:notice", args=[registration.pk]))


def _show_on_fields(form, exc: EngineError) -> None:
    """The service's field-level problems on the form's fields (or above them); else its message."""
    for field, problems in exc.details.items():
        for problem in problems if isinstance(problems, list) else []:
            form.add_error(field if field in form.fields else None, problem)
    if not form.errors:
        form.add_error(None, exc.message)


class TaskDiagramView(LoginRequiredMixin, View):
    """The BPMN XML of the task's process version, for the diagram on the task page."""

    def get(self, request, task_id: int):
        from django.http import HttpResponse

        task = _task_or_404(request, task_id)
        return HttpResponse(
            task.instance.process_version.bpmn_xml, content_type="application/xml; charset=utf-8"
        )


class CatalogueView(LoginRequiredMixin, View):
    """后置审批事项目录 for process admins: browse, search, import from Excel; edit in the admin."""

    def _guard(self, request):
        from .permissions import is_process_admin

        if not is_process_admin(request.user):
            raise Http404("仅流程管理员可以维护审批事项目录")

    def get(self, request, results=None, error: str = "", status: int = 200):
        from .catalogue_import import COLUMNS
        from .models import ApprovalItem

        self._guard(request)
        items = ApprovalItem.objects.select_related("sector").order_by("code")
        if q := request.GET.get("q", "").strip():
            items = items.filter(Q(name__icontains=q) | Q(keywords__icontains=q) | Q(code__icontains=q))
        return render(
            request,
            "casework/catalogue.html",
            {
                "title": "后置审批事项目录",
                "items": items,
                "q": q,
                "results": results,
                "error": error,
                "columns": COLUMNS,
            },
            status=status,
        )

    def post(self, request):
        from .catalogue_import import import_catalogue

        self._guard(request)
        upload = request.FILES.get("file")
        if upload is None:
            return self.get(request, error="请选择要导入的 Excel 文件", status=422)
        try:
            results = import_catalogue(content=upload.read(), actor=request.user)
        except EngineError as exc:
            return self.get(request, error=exc.message, status=422)
        return self.get(request, results=results)
