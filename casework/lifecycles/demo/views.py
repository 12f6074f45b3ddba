"""发起事项 (demo process): a registrar pushes an item to a department with a deadline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.permissions import has_role

from .forms import DemoCaseForm
from .services import start_demo_case


class StartDemoCaseView(LoginRequiredMixin, View):
    def _guard(self, request):
        if not has_role(request.user, "registrar"):
            raise Http404("仅登记人员可以发起事项")

    def get(self, request, form=None, status: int = 200):
        self._guard(request)
        return render(request, "demo/start_case.html", {"form": form or DemoCaseForm()}, status=status)

    def post(self, request):
        self._guard(request)
        form = DemoCaseForm(data=request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=422)
        try:
            instance = start_demo_case(actor=request.user, **form.cleaned_data)
        except UserFacingError as exc:
            messages.error(request, exc.message)
            return self.get(request, form=form, status=422)
        messages.success(request, f"已推送：{instance.title}")
        return HttpResponseRedirect(reverse("workbench:start"))
