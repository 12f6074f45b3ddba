"""The public pages: search, an enterprise's page, the 异议 form and its receipt. No login."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from casework.directory.credit_code import normalize
from casework.directory.models import Enterprise

from . import registry, selectors, services, throttle
from .forms import ObjectionForm
from .models import Objection
from .selectors import QueryKind

PAGE_SIZE = 20

HINTS = {
    QueryKind.EMPTY: "请输入企业名称（至少 2 个字）或 18 位统一社会信用代码。",
    QueryKind.TOO_SHORT: "企业名称至少输入 2 个字，例如“蜀味餐饮”。",
    QueryKind.PARTIAL_CODE: "请输入完整的 18 位统一社会信用代码（或 15 位注册号）；按名称查询请输入名称中的文字。",
    QueryKind.TOO_LONG: "查询内容过长，请输入企业名称中的关键字（100 字以内）。",
}


def _limited(request: HttpRequest, scope: str, limit: int, period: int) -> HttpResponse | None:
    allowed, retry_after = throttle.allow(request, scope, limit, period)
    if allowed:
        return None
    wait = f"{retry_after} 秒" if retry_after < 120 else f"{-(-retry_after // 60)} 分钟"
    response = render(request, "portal/too_many.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "portal/not_found.html", {"message": message}, status=404)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    query = selectors.parse_query(raw)
    context: dict = {
        "q": raw.strip()[: selectors.MAX_QUERY_LENGTH],
        "hint": HINTS.get(query.kind),
        "searched": False,
        "public_sections": registry.public_sections(),
    }
    if query.searchable:
        refused = _limited(request, "search", settings.PORTAL_SEARCHES_PER_MINUTE, 60)
        if refused is not None:
            return refused
        page = Paginator(selectors.search(query), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(searched=True, page=page, query={"q": query.text}, cap=selectors.RESULT_CAP)
    return render(request, "portal/search.html", context)


def _subject(credit_code: str) -> tuple[Enterprise | None, str, registry.Gathered]:
    enterprise = selectors.enterprise(credit_code)
    name = enterprise.name if enterprise else selectors.outside_name(credit_code)
    return enterprise, name, registry.public_records(credit_code)


def _canonical(credit_code: str) -> str | None:
    code = normalize(credit_code)
    return code if selectors.is_credit_code(code) else None


UNKNOWN = "没有找到统一社会信用代码为 {code} 的市场主体，或该主体暂无公示信息。请核对代码后重新查询。"


@require_GET
def enterprise_page(request: HttpRequest, credit_code: str) -> HttpResponse:
    refused = _limited(request, "page", settings.PORTAL_PAGES_PER_MINUTE, 60)
    if refused is not None:
        return refused
    code = _canonical(credit_code)
    if code is None:
        return not_found(request, "统一社会信用代码应为 18 位数字或大写字母，请核对后重新查询。")
    if code != credit_code:
        return redirect("portal:enterprise", credit_code=code)
    enterprise, name, gathered = _subject(code)
    if enterprise is None and not name and not gathered.records:
        return not_found(request, UNKNOWN.format(code=code))
    return render(
        request,
        "portal/enterprise.html",
        {
            "enterprise": enterprise,
            "name": name,
            "credit_code": code,
            "categories": selectors.grouped(gathered.records),
            "record_count": len(gathered.records),
            "incomplete": gathered.failed > 0,
            "shows_address": enterprise is not None and enterprise.kind != Enterprise.Kind.INDIVIDUAL,
            "representative_label": "经营者"
            if enterprise is not None and enterprise.kind == Enterprise.Kind.INDIVIDUAL
            else "法定代表人",
        },
    )


@require_http_methods(["GET", "POST"])
def objection(request: HttpRequest, credit_code: str) -> HttpResponse:
    code = _canonical(credit_code)
    if code is None:
        return not_found(request, "统一社会信用代码应为 18 位数字或大写字母，请核对后重新查询。")
    record_id = (request.POST.get("record") if request.method == "POST" else None) or request.GET.get(
        "record", ""
    )
    enterprise, name, gathered = _subject(code)
    record = next((r for r in gathered.records if r.record_id == record_id and r.objectable), None)
    if record is None:
        return not_found(request, "该条公示信息不存在、已不在公示期或不接受异议，请返回企业信息页重新选择。")
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        refused = _limited(request, "objection", settings.PORTAL_OBJECTIONS_PER_HOUR, 3600)
        if refused is not None:
            return refused
        saved = services.submit_objection(
            public_record=record, credit_code=code, enterprise_name=name, data=form.cleaned_data
        )
        return redirect("portal:receipt", receipt=saved.receipt)
    return render(
        request,
        "portal/objection_form.html",
        {
            "form": form,
            "record": record,
            "name": name,
            "credit_code": code,
            "enterprise_url": reverse("portal:enterprise", args=[code]),
            "max_attachment_mb": f"{settings.PORTAL_ATTACHMENT_MAX_BYTES / (1024 * 1024):g}",
        },
        status=422 if request.method == "POST" else 200,
    )


def _masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


@require_GET
def receipt(request: HttpRequest, receipt) -> HttpResponse:
    found = Objection.objects.filter(receipt=receipt).first()
    if found is None:
        return not_found(request, "没有找到这份异议回执，请核对回执地址。")
    return render(request, "portal/receipt.html", {"objection": found, "phone": _masked_phone(found.phone)})
