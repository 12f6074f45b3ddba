"""站内消息: list, mark read."""

import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from .models import Notification
from .services import mark_read

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits within a bigint; anything else is ignored


class NotificationListView(LoginRequiredMixin, View):
    def get(self, request):
        qs = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        return render(request, "notifications/list.html", {"page": page, "title": "通知"})


class MarkReadView(LoginRequiredMixin, View):
    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("id") if _ID.fullmatch(i)]
        mark_read(user=request.user, notification_ids=ids or None)
        return HttpResponseRedirect(reverse("notifications:list"))
