"""The workbench side of the portal: process admins see the objections the public filed.

Imported once at start-up (``casework.apps``): registers the 公众异议 page, its menu entry and
the audit labels of the portal's actions.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views import View

from casework.organization.permissions import is_process_admin
from casework.workbench import extensions

from .models import Objection

PAGE_SIZE = 30


def _admin_only(request) -> None:
    if not is_process_admin(request.user):
        raise Http404("仅流程管理员可以查看公众异议")


class ObjectionListView(LoginRequiredMixin, View):
    def get(self, request):
        _admin_only(request)
        objections = Objection.objects.all()
        state = request.GET.get("state", "")
        if state in Objection.State.values:
            objections = objections.filter(state=state)
        page = Paginator(objections, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "portal/staff_objections.html",
            {
                "title": "公众异议",
                "page": page,
                "states": Objection.State.choices,
                "state": state,
                "query": request.GET.copy(),
            },
        )


class ObjectionAttachmentView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        _admin_only(request)
        objection = get_object_or_404(Objection, pk=pk)
        if not objection.attachment:
            raise Http404("该异议没有附件")
        suffix = (objection.attachment.name or "").rsplit(".", 1)[-1]
        return FileResponse(
            objection.attachment.open("rb"), as_attachment=True, filename=f"{objection.number}.{suffix}"
        )


extensions.register_urls(
    [
        path("objections/", ObjectionListView.as_view(), name="objections"),
        path(
            "objections/<int:pk>/attachment/", ObjectionAttachmentView.as_view(), name="objection-attachment"
        ),
    ]
)
extensions.register_menu_entry(
    "公众异议",
    "workbench:objections",
    "feedback",
    visible=lambda user, roles: is_process_admin(user),
    order=90,
)
extensions.register_audit_labels(
    {"objection_received": "收到公众异议", "objection_handler_failed": "异议转办失败"}
)
