"""移动监管执法: the inspector's phone pages (360–420 px), an installable web app.

我的检查任务 (today / overdue / upcoming, by division), the inspection page (enterprise card with
credit warnings, plan and task, items with their checklists, the team), the result form with
camera photos and the co-inspector's confirmation.  Every action calls ``services`` and so
completes the case's BPMN task exactly as the desktop task form does.  The manifest, the service
worker (served at the app's scope, ``…/m/sw.js``) and the offline page make it installable and let
an unfinished result wait on the phone (``static/inspection/mobile-*.js``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.errors import UserFacingError

from . import mobile_api, mobile_selectors, services
from .forms import EnterResultForm
from .models import FollowUp, Inspection

APP_NAME = "协同监管·移动检查"
SHORT_NAME = "移动检查"
#: the app shell the service worker keeps (under /static/)
SHELL_STATIC = [
    "inspection/mobile.css",
    "inspection/mobile-store.js",
    "inspection/mobile-app.js",
    "casework/logout.js",
    "inspection/icons/icon-192.png",
    "inspection/icons/icon-512.png",
    "inspection/icons/icon-maskable-512.png",
    "inspection/icons/apple-touch-icon.png",
    "inspection/icons/icon-32.png",
]
GROUPS = [
    ("overdue", "已逾期"),
    ("today", "今天到期"),
    ("upcoming", "待办理"),
    ("waiting", "等待他人办理或已办结"),
]


def _inspection_or_404(request, inspection_id: int) -> Inspection:
    inspection = mobile_selectors.inspection_for(request.user, inspection_id)
    if inspection is None:
        raise Http404("检查任务不存在或您不在该检查组")
    return inspection


def _app_context() -> dict[str, Any]:
    return {
        "app_name": APP_NAME,
        "manifest_url": reverse("workbench:inspection-m-manifest"),
        "sw_url": reverse("workbench:inspection-m-sw"),
        "list_url": reverse("workbench:inspection-m-list"),
    }


@login_required
@require_GET
def assignment_list(request):
    """我的检查任务: grouped by urgency, filterable by division."""
    today = services.today()
    found = mobile_selectors.assignments(request.user, today)
    divisions: dict[str, tuple[str, int]] = {}
    for item in found:
        name, count = divisions.get(item.division, (item.division_name, 0))
        divisions[item.division] = (name, count + 1)
    chosen = request.GET.get("division", "")
    shown = [a for a in found if not chosen or a.division == chosen]
    groups = [(key, title, [a for a in shown if a.group == key]) for key, title in GROUPS]
    counts = {key: sum(1 for a in found if a.group == key) for key, _ in GROUPS}
    return render(
        request,
        "inspection/mobile_list.html",
        {
            **_app_context(),
            "title": "我的检查任务",
            "today": mobile_selectors.chinese_day(today),
            "groups": [g for g in groups if g[2]],
            "counts": counts,
            "to_do": counts["overdue"] + counts["today"] + counts["upcoming"],
            "divisions": sorted(
                ((code, name, n) for code, (name, n) in divisions.items()), key=lambda d: d[0]
            ),
            "chosen": chosen,
            "total": len(found),
        },
    )


def _detail_context(request, inspection: Inspection) -> dict[str, Any]:
    task = mobile_selectors.held_tasks(request.user, [inspection]).get(inspection.instance_id or 0)
    step = ""
    if task is not None:
        step = {services.ENTER: "enter", services.CONFIRM: "confirm"}.get(task.bpmn_id, "desk")
    members = services.team(inspection)
    job = inspection.draw.task
    enterprise = mobile_selectors.enterprise(inspection.credit_code)
    due = mobile_selectors._due_date(task, inspection)
    group, words = mobile_selectors.due_words(due, services.today())
    return {
        **_app_context(),
        "title": inspection.enterprise_name,
        "inspection": inspection,
        "number": services.number_of(inspection),
        "task": task,
        "step": step,
        "due_label": mobile_selectors.chinese_day(due),
        "due_words": words if task is not None else "",
        "due_group": group,
        "enterprise": enterprise,
        "division_name": mobile_selectors.division_name(enterprise.division_code if enterprise else ""),
        "warnings": mobile_selectors.credit_warnings(inspection.credit_code),
        "plan": job.plan,
        "job": job,
        "items": mobile_selectors.items(inspection),
        "team": [
            {
                "name": m.inspector.user.get_full_name() or m.inspector.user.get_username(),
                "department": m.inspector.department.name,
                "certificate": m.inspector.certificate_number,
                "role": "主检" if i == 0 else "协检",
                "is_me": m.inspector.user_id == request.user.pk,
                "confirmed_at": m.confirmed_at,
            }
            for i, m in enumerate(members)
        ],
        "photos": list(inspection.photos.order_by("uploaded_at")),
        "routed_values": [FollowUp.TRANSFER.value, FollowUp.NOTIFY.value],
        "api_url": reverse("workbench:inspection-m-api-result", args=[inspection.pk]),
        "result_url": reverse("workbench:inspection-m-result", args=[inspection.pk]),
        "confirm_url": reverse("workbench:inspection-m-confirm", args=[inspection.pk]),
        "desk_url": reverse("workbench:task", args=[task.pk]) if task is not None else "",
        "has_result": bool(inspection.result_code),
    }


def _render_detail(request, inspection: Inspection, *, form=None, confirm=None, status: int = 200):
    context = _detail_context(request, inspection)
    if context["step"] == "enter" and form is None:
        form = EnterResultForm(human_task=context["task"])
    context["form"] = form
    context["confirm"] = confirm or {"decision": "", "note": "", "errors": {}}
    return render(request, "inspection/mobile_detail.html", context, status=status)


@login_required
@require_GET
def inspection_detail(request, inspection_id: int):
    return _render_detail(request, _inspection_or_404(request, inspection_id))


@login_required
@require_POST
def result(request, inspection_id: int):
    """The result form posted without the page's script (the script sends it to the JSON API)."""
    inspection = _inspection_or_404(request, inspection_id)
    task = mobile_selectors.held_tasks(request.user, [inspection]).get(inspection.instance_id or 0)
    form = EnterResultForm(data=request.POST, human_task=task)
    try:
        answer = mobile_api.accept_result(request, inspection, tokens_required=False)
    except UserFacingError as exc:
        form.is_valid()
        for field, message in (exc.details or {}).items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, str(message))
        messages.error(request, exc.message)
        return _render_detail(request, inspection, form=form, status=422)
    messages.success(request, answer["message"])
    return HttpResponseRedirect(reverse("workbench:inspection-m-detail", args=[inspection.pk]))


@login_required
@require_POST
def confirm(request, inspection_id: int):
    """同组确认 (confirm, or dispute with the reason) through ``services.confirm_result``."""
    inspection = _inspection_or_404(request, inspection_id)
    decision, note = request.POST.get("confirm_decision", ""), request.POST.get("confirm_note", "")
    try:
        services.confirm_result(inspection=inspection, actor=request.user, decision=decision, note=note)
    except UserFacingError as exc:
        errors = {k: str(v) for k, v in (exc.details or {}).items()}
        messages.error(request, exc.message)
        return _render_detail(
            request, inspection, confirm={"decision": decision, "note": note, "errors": errors}, status=422
        )
    messages.success(
        request,
        "已确认检查结果，已报送审核" if decision == services.CONFIRM_OK else "已提出异议，退回主检人员修改",
    )
    return HttpResponseRedirect(reverse("workbench:inspection-m-list"))


# --- the installable app: manifest, service worker, offline page ------------------------------------


@require_GET
def manifest(request):
    list_url = reverse("workbench:inspection-m-list")
    scope = reverse("workbench:inspection-m-root")
    body = {
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": "双随机抽查的检查人员手机端：检查任务、现场检查、拍照取证、离线保存与补传",
        "lang": "zh-CN",
        "start_url": list_url,
        "scope": scope,
        "id": list_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f9",
        "theme_color": "#1565c0",
        "icons": [
            {"src": static("inspection/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("inspection/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("inspection/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def _shell_version() -> str:
    """Changes whenever a shell file changes, so phones replace their cached copy."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        found = finders.find(name)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    template = finders.find("inspection/mobile-sw.js")
    if isinstance(template, str):
        with open(template, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:12]


@never_cache
@require_GET
def service_worker(request):
    """The service worker, served at the app's scope (…/m/) so that it controls every phone page."""
    found = finders.find("inspection/mobile-sw.js")
    if not isinstance(found, str):
        raise Http404("service worker")
    with open(found, encoding="utf-8") as handle:
        code = handle.read()
    config = {
        "version": _shell_version(),
        "scope": reverse("workbench:inspection-m-root"),
        "shell": [static(name) for name in SHELL_STATIC],
        "pages": [reverse("workbench:inspection-m-list"), reverse("workbench:inspection-m-offline")],
        "offline": reverse("workbench:inspection-m-offline"),
        "store": static("inspection/mobile-store.js"),
    }
    body = f"self.XT_CONFIG = {json.dumps(config, ensure_ascii=False)};\n{code}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("workbench:inspection-m-root")
    return response


@require_GET
def offline(request):
    return render(request, "inspection/mobile_offline.html", {**_app_context(), "title": "网络未连接"})


@require_GET
def root(request):
    return HttpResponseRedirect(reverse("workbench:inspection-m-list"))


# --- URLs (in the workbench's namespace, under /workbench/m/) ---------------------------------------

urlpatterns = [
    path("m/", root, name="inspection-m-root"),
    path("m/inspections/", assignment_list, name="inspection-m-list"),
    path("m/inspections/<int:inspection_id>/", inspection_detail, name="inspection-m-detail"),
    path("m/inspections/<int:inspection_id>/result/", result, name="inspection-m-result"),
    path("m/inspections/<int:inspection_id>/confirm/", confirm, name="inspection-m-confirm"),
    path(
        "m/api/inspections/<int:inspection_id>/result/",
        mobile_api.submit_result,
        name="inspection-m-api-result",
    ),
    path("m/manifest.webmanifest", manifest, name="inspection-m-manifest"),
    path("m/sw.js", service_worker, name="inspection-m-sw"),
    path("m/offline/", offline, name="inspection-m-offline"),
]
