"""外地主体信息交换 pages for 市场监管 (登记机关) staff: the waiting list by registration area, making a
batch, a batch with its records, sending it, its downloads (.xlsx, JSON) and its receipt (uploaded, or
entered by hand).  Other departments do not find these pages (404)."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from casework.errors import UserFacingError
from casework.organization.permissions import is_process_admin

from . import exchange, selectors, services
from .import_views import XLSX
from .models import ExchangeBatch

MAX_RECEIPT_BYTES = 10 * 1024 * 1024


def _exchanger(request) -> None:
    if not exchange.may_exchange(request.user):
        raise Http404("仅市场监管部门（登记机关）的工作人员可以办理外地主体信息交换")


def _batch_or_404(request, number: str) -> ExchangeBatch:
    _exchanger(request)
    batch = exchange.batch_for(request.user, number)
    if batch is None:
        raise Http404("交换批次不存在或您无权查看")
    return batch


def _attachment(name: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


class ExchangeView(LoginRequiredMixin, View):
    """外地主体信息交换: what waits, by registration area, and the batches."""

    def get(self, request):
        _exchanger(request)
        batches = exchange.visible_batches(request.user)
        state = request.GET.get("state", "")
        if state in ExchangeBatch.State.values:
            batches = batches.filter(state=state)
        page = Paginator(batches, 20).get_page(request.GET.get("page"))
        counts = exchange.counts(request.user)
        return render(
            request,
            "collection/exchange.html",
            {
                "areas": exchange.waiting_by_area(request.user),
                "departments": exchange.exchange_departments(request.user),
                "secret_count": exchange.secret_outbound_count(request.user),
                "page": page,
                "batches": page.object_list,
                "state": state,
                "states": [(code, label, counts[code]) for code, label in ExchangeBatch.State.choices],
            },
        )

    def post(self, request):
        """组批: one registration area's waiting records."""
        _exchanger(request)
        departments = exchange.exchange_departments(request.user)
        department = next((d for d in departments if d.code == request.POST.get("department")), None)
        try:
            batch = exchange.prepare_batch(request.user, request.POST.get("area", ""), department=department)
        except UserFacingError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("workbench:exchange"))
        messages.success(
            request, f"已生成交换批次 {batch.number}：{batch.target_name} {batch.record_count} 条，待发送"
        )
        return HttpResponseRedirect(reverse("workbench:exchange-batch", args=[batch.number]))


class BatchDetailView(LoginRequiredMixin, View):
    def get(self, request, number: str):
        batch = _batch_or_404(request, number)
        items = exchange.items_of(batch)
        for item in items:
            spec = services.type_spec(item.record.record_type)
            item.labelled = selectors.labelled(spec, item.record.values)  # type: ignore[attr-defined]
        return render(
            request,
            "collection/exchange_batch.html",
            {
                "batch": batch,
                "items": items,
                "may_manage": batch.department in exchange.exchange_departments(request.user)
                or is_process_admin(request.user),
                "may_ack": batch.state == ExchangeBatch.State.SENT,
            },
        )


class BatchSendView(LoginRequiredMixin, View):
    def post(self, request, number: str):
        batch = _batch_or_404(request, number)
        try:
            exchange.mark_sent(batch, request.user)
            messages.success(request, f"批次 {batch.number} 已标记为已发送，等待{batch.target_name}回执")
        except UserFacingError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("workbench:exchange-batch", args=[batch.number]))


class BatchDownloadView(LoginRequiredMixin, View):
    """The batch as .xlsx (receipt sheet + one sheet per record type) or as JSON (as the API gives it)."""

    def get(self, request, number: str, fmt: str):
        batch = _batch_or_404(request, number)
        if fmt == "json":
            body = json.dumps(exchange.batch_document(batch), ensure_ascii=False, indent=2, default=str)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
        else:
            response = HttpResponse(exchange.batch_workbook(batch), content_type=XLSX)
        name = f"外地主体信息交换-{batch.number}-{batch.target_name}.{fmt}"
        response["Content-Disposition"] = _attachment(name, f"{batch.number}.{fmt}")
        return response


class BatchAckView(LoginRequiredMixin, View):
    """登记回执: the receiver's receipt uploaded (.xlsx filled in, or JSON), or entered record by record."""

    def post(self, request, number: str):
        batch = _batch_or_404(request, number)
        target = reverse("workbench:exchange-batch", args=[batch.number])
        try:
            upload = request.FILES.get("receipt")
            if upload is not None:
                if upload.size > MAX_RECEIPT_BYTES:
                    raise exchange.AckInvalid(
                        "回执文件过大", code="exchange_ack_malformed", details={"file": "超过 10 MB"}
                    )
                accepted, returned, message = exchange.read_receipt(upload.read(), upload.name)
            else:
                accepted, returned = [], {}
                for item in batch.items.all():
                    answer = request.POST.get(f"result_{item.record_id}", "")
                    if answer == "accepted":
                        accepted.append(item.record_id)
                    elif answer == "returned":
                        returned[item.record_id] = request.POST.get(f"reason_{item.record_id}", "")
                message = ""
            message = (request.POST.get("message") or message or "").strip()
            done = exchange.acknowledge(batch, accepted, returned, actor=request.user, message=message)
        except UserFacingError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(target)
        if done.unchanged:
            messages.info(request, "该回执已登记过，未作改变")
        else:
            messages.success(
                request,
                f"已登记回执：接收 {done.batch.accepted_count} 条，退回 {done.batch.returned_count} 条"
                + (
                    "（退回的信息已回到待交换列表，提供部门可见退回原因）"
                    if done.batch.returned_count
                    else ""
                ),
            )
        return HttpResponseRedirect(target)
