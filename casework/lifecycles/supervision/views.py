"""督办台账: the supervisor's list of escalations, with filters."""

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
from .filters import EscalationFilterForm


class EscalationListView(LoginRequiredMixin, View):
    """Escalations for the supervisor's supervision department."""

    def get(self, request):
        if not has_role(request.user, "supervisor"):
            raise Http404("仅督办人员可以查看")
        departments, levels = selectors.escalation_filter_choices(request.user)
        filters = EscalationFilterForm(request.GET or None, departments=departments, levels=levels)
        criteria = filters.criteria() if request.GET else {}
        escalations = selectors.escalations_for(request.user, **criteria)
        page = Paginator(escalations, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "supervision/escalation_list.html",
            {
                "title": "效能督办",
                "page": page,
                "filters": filters,
                "query": request.GET.copy(),
                "counts": counts(request.user),
                "now": timezone.now(),
            },
        )
