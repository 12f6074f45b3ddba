"""更正 on the record page: 发现错误，申请更正 (the provider), 发起更正 (the operator, who may take in a
waiting objection), and the record's corrections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.permissions import is_process_admin

from . import correction, selectors
from .correction_forms import OpenCorrectionForm
from .models import CollectedRecord


def record_context(user: Any, item: CollectedRecord, form: OpenCorrectionForm | None = None) -> dict:
    """What the record page shows of corrections (merged into its context)."""
    waiting = list(correction.waiting_objections(item)) if is_process_admin(user) else []
    may_open = correction.may_open(user, item)
    return {
        "corrections": list(item.corrections.select_related("objection")),
        "open_correction": correction.open_correction_of(item),
        "correction_origin": correction.origin_for(user, item),
        "correction_form": (form or OpenCorrectionForm(objections=waiting)) if may_open else None,
    }


class CorrectionOpenView(LoginRequiredMixin, View):
    def post(self, request, record_id: int):
        item = selectors.visible_record(request.user, record_id)
        if item is None:
            raise Http404("信息不存在或您无权查看")
        waiting = list(correction.waiting_objections(item)) if is_process_admin(request.user) else []
        form = OpenCorrectionForm(request.POST, objections=waiting)
        if form.is_valid():
            chosen = next((o for o in waiting if o.pk == form.cleaned_data.get("objection")), None)
            try:
                correction.open_correction(
                    item=item, reason=form.cleaned_data["reason"], actor=request.user, objection=chosen
                )
                messages.success(
                    request,
                    f"已发起更正：由{item.provider.name}在法定时限内提交更正申请，经市场监管审核后生效",
                )
            except UserFacingError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(request, "请说明发现的错误")
        return HttpResponseRedirect(reverse("workbench:record", args=[item.pk]))
