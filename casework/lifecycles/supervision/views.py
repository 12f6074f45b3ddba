"""督办台账: the supervisor's list of escalations."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from casework.organization.permissions import has_role
from casework.workbench.selectors import PAGE_SIZE, counts

from . import selectors


class EscalationListView(LoginRequiredMixin, View):
    """Escalations for the supervisor's supervision department."""

    def get(self, request):
        if not has_role(request.user, "supervisor"):
            raise Http404("仅督办人员可以查看")
        page = Paginator(selectors.escalations_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "supervision/escalation_list.html",
            {"page": page, "counts": counts(request.user), "now": timezone.now()},
        )
