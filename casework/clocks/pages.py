"""The task page's 法定时限 panel: the deadline's rule and legal basis, and — for supervisors and
process admins — suspending (中止) and resuming the case's clock."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.views import View

from casework.workbench import extensions, selectors
from processes.errors import UserFacingError

from . import services


def clock_panel(task: Any, user: Any) -> dict | None:
    instance = task.instance
    may = services.may_suspend(user) and instance.status in ("running", "incident")
    if not (task.due_at or instance.clock_paused_at or may):
        return None
    return {
        "task": task,
        "instance": instance,
        "may_suspend": may,
        "pause": services.open_pause(instance) if instance.clock_paused_at else None,
        "pauses": services.past_pauses(instance),
    }


class ClockActionView(LoginRequiredMixin, View):
    """POST 中止计时 (with a reason) / 恢复计时 for the case of a task the user may see."""

    action = "pause"

    def post(self, request, task_id: int):
        task = selectors.visible_task(request.user, task_id)
        if task is None:
            raise Http404("任务不存在或您无权查看")
        try:
            if self.action == "pause":
                services.suspend_clock(
                    instance_id=task.instance_id,
                    reason=request.POST.get("pause_reason", ""),
                    actor=request.user,
                )
                messages.success(request, "已中止计时：恢复计时后，期限按中止的工作日顺延")
            else:
                pause = services.resume_clock(instance_id=task.instance_id, actor=request.user)
                if pause.days:
                    messages.success(request, f"已恢复计时：期限顺延 {pause.days} 个工作日")
                else:
                    messages.success(request, "已恢复计时：中止期间未跨工作日，期限不变")
        except UserFacingError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:task", args=[task.pk]))


def register() -> None:
    extensions.register_panel("*", "clocks/clock_panel.html", clock_panel, order=5)
    extensions.register_urls(
        [
            path(
                "tasks/<int:task_id>/clock/pause/",
                ClockActionView.as_view(action="pause"),
                name="clock-pause",
            ),
            path(
                "tasks/<int:task_id>/clock/resume/",
                ClockActionView.as_view(action="resume"),
                name="clock-resume",
            ),
        ]
    )
    extensions.register_audit_labels(
        {
            "clock_paused": "中止计时",
            "clock_resumed": "恢复计时",
            "provisional_deadlines_recomputed": "暂定时限重算",
            "legal_clock_added": "新增法定时限规则",
            "legal_clock_revised": "修订法定时限规则",
        }
    )
