"""站内消息: list, mark read.  The list is shown in the workbench's frame (its menu and toolbar)."""

import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, resolve, reverse
from django.views import View

from .models import Notification
from .services import mark_read

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits within a bigint; anything else is ignored


def _in_workbench_frame(request) -> None:
    """Give the page the frame of the workbench's pages: the site and app (menu, colours) that
    the workbench's URLs carry for the page shell."""
    try:
        match = resolve(reverse("workbench:index"))
    except NoReverseMatch:
        return
    for name, value in getattr(match.url_name, "extra", {}).items():
        setattr(request.resolver_match, name, value)


class NotificationListView(LoginRequiredMixin, View):
    def get(self, request):
        qs = Notification.objects.inbox_of(request.user).order_by("-created_at", "-pk")
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        _in_workbench_frame(request)
        return render(request, "notifications/list.html", {"page": page, "title": "通知"})


class MarkReadView(LoginRequiredMixin, View):
    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("id") if _ID.fullmatch(i)]
        mark_read(user=request.user, notification_ids=ids or None)
        return HttpResponseRedirect(reverse("notifications:list"))
