"""The inbox and the task page: parse the request, check access, call the engine, render.

What a lifecycle shows on its task pages comes from its panels (``extensions.panels_for``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View

from casework.errors import UserFacingError
from casework.organization.permissions import posts, roles
from processes import engine
from processes.errors import StepFailed
from processes.models import HumanTask

from . import extensions, selectors
from .forms import form_for
from .inbox_filters import InboxFilterForm
from .selectors import PAGE_SIZE


class TaskListView(LoginRequiredMixin, View):
    """One of the four inbox lists; reads only the HumanTask projection."""

    list_name = "queue"

    def get(self, request):
        title = selectors.LISTS[self.list_name][0]
        tasks, filters = selectors.inbox(request.user, self.list_name, request.GET)
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
    """``/``: the home page a lifecycle gives the user's role, else the department queue."""

    def get(self, request):
        home = extensions.home_for(roles(request.user))
        return HttpResponseRedirect(reverse(home or "workbench:queue"))


def _task_or_404(request, task_id: int) -> HumanTask:
    task = selectors.visible_task(request.user, task_id)
    if task is None:
        raise Http404("任务不存在或您无权查看")
    return task


class TaskDetailView(LoginRequiredMixin, View):
    """Task page: case facts, timeline, the form (for the assignee)."""

    def get(self, request, task_id: int, form=None, status: int = 200):
        task = _task_or_404(request, task_id)
        form_class = form_for(task.case_type, task.form)
        if form is None and form_class is not None:
            form = form_class(human_task=task)
        instance = task.instance
        return render(
            request,
            "casework/task_detail.html",
            {
                "task": task,
                "instance": instance,
                "form": form if task.is_open and task.assignee_id == request.user.pk else None,
                "timeline": selectors.case_timeline(instance),
                "panels": _panels(request, task, after_form=False),
                "panels_after_form": _panels(request, task, after_form=True),
                "current_steps": ",".join(selectors.open_steps(instance)),
                "now": timezone.now(),
            },
            status=status,
        )


def _panels(request, task: HumanTask, *, after_form: bool) -> list[str]:
    """The lifecycles' sections of this task's page, rendered."""
    return [
        render_to_string(template, context, request=request)
        for template, context in extensions.panels_for(task, request.user, after_form=after_form)
    ]


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
        except UserFacingError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:task", args=[task.pk]))

    def _complete(self, request, task: HumanTask):
        form_class = form_for(task.case_type, task.form)
        data = request.POST.dict()
        data.pop("csrfmiddlewaretoken", None)
        if form_class is not None:
            form = form_class(data=request.POST, human_task=task)
            if not form.is_valid():
                messages.error(request, "提交内容有误，请按提示修改")
                return TaskDetailView().get(request, task.pk, form=form, status=422)
        try:
            done = engine.complete_task(task_id=task.pk, user=request.user, data=data)
        except StepFailed as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("workbench:task", args=[task.pk]))
        next_task = getattr(done, "next_task", None)
        if next_task is not None:  # the case's next step stays with this officer: go straight on
            messages.success(request, f"已办结：{task.name}。下一步“{next_task.name}”已由您办理，请继续")
            return HttpResponseRedirect(reverse("workbench:task", args=[next_task.pk]))
        messages.success(request, f"已办结：{task.name}")
        return HttpResponseRedirect(reverse("workbench:mine"))


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
            except UserFacingError as exc:
                failed.append(f"{task.subject_name or task.case_title}：{exc.message}")
        if claimed:
            messages.success(request, f"已认领 {claimed} 件")
        for line in failed:
            messages.error(request, line)
        if not ids:
            messages.error(request, "请先勾选要认领的任务")
        return HttpResponseRedirect(reverse("workbench:queue"))


class TaskDiagramView(LoginRequiredMixin, View):
    """The BPMN XML of the task's process version, for the diagram on the task page."""

    def get(self, request, task_id: int):
        task = _task_or_404(request, task_id)
        return HttpResponse(
            task.instance.process_version.bpmn_xml, content_type="application/xml; charset=utf-8"
        )
