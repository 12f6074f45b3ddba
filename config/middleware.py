"""The HTTP edges: language, and the refusals every route shares.

The API (``/api/``) answers each refusal in its JSON shape ``{"error": {...}}``, whoever makes
it: an oversized body, a control character in a query parameter, an unknown URL, an outage of
the database or the broker. Web pages get a short Chinese page instead of Django's English ones.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware import common
from django.template.loader import render_to_string
from django.urls import is_valid_path
from django.utils import translation
from rest_framework.response import Response

from processes.api.errors import (
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE_MESSAGE,
    is_outage,
    json_error,
    log_outage,
    too_large_details,
    too_large_message,
)

API_PREFIX = "/api/"

# C0 controls other than tab, line feed and carriage return, and DEL. PostgreSQL refuses NUL
# in text; none of them is ever meant in a search box or a filter.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_page(status: int, title: str, message: str, *, retry_after: int | None = None) -> HttpResponse:
    """A Chinese error page that needs neither the database nor a request context."""
    html = render_to_string(
        "http_error.html", {"status": status, "title": title, "message": message, "retry_after": retry_after}
    )
    response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = json_error(503, "service_unavailable", SERVICE_UNAVAILABLE_MESSAGE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return error_page(503, "服务暂时不可用", SERVICE_UNAVAILABLE_MESSAGE, retry_after=RETRY_AFTER_SECONDS)


class ChineseFirstLocaleMiddleware:
    """Language: Simplified Chinese (settings.LANGUAGES), whatever the browser or a cookie says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RequestBodyLimitMiddleware:
    """413 for a body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it.

    Django refuses such a body wherever it is first read (a CSRF check, a DRF parser) with an
    HTML 400. Multipart bodies pass: their files do not count against the limit, and Django
    checks their other fields while parsing (the API's exception handler answers that case).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit and request.content_type != "multipart/form-data":
            if is_api(request):
                return json_error(413, "request_too_large", too_large_message(), too_large_details(length))
            return error_page(413, "提交的内容过大", too_large_message())
        return self.get_response(request)


def _shown(text: str) -> str:
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class QueryControlCharacterMiddleware:
    """Control characters in query parameters: the API refuses them, web pages drop them.

    An API client sending one has a bug its developer should see, so it gets a 400 naming the
    parameter. In a browser they come from pasted text or a mangled link, and the search the
    user meant is the visible text: the page answers for that and shows it in the search box.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        dirty = [
            key
            for key, values in request.GET.lists()
            if CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
        ]
        if not dirty:
            return self.get_response(request)
        if is_api(request):
            first = dirty[0]
            found = CONTROL_CHARACTERS.search(first + "".join(request.GET.getlist(first)))
            char = _shown(found.group()) if found else ""
            return json_error(
                400,
                "invalid_parameter",
                f"查询参数“{_shown(first)}”含有不允许的控制字符（{char}），请删除后重试",
                {_shown(key): "不允许包含控制字符（制表符、换行符除外）" for key in dirty},
            )
        query = urlencode(
            [
                (CONTROL_CHARACTERS.sub("", key), CONTROL_CHARACTERS.sub("", value))
                for key, values in request.GET.lists()
                for value in values
            ]
        )
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query, encoding=request.encoding)
        return self.get_response(request)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that an API write to a path without its final slash is not redirected.

    A client following the 301 would repeat its POST as a GET; it gets a JSON 404 instead.
    """

    def should_redirect_with_slash(self, request):
        if is_api(request) and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)


API_ERRORS = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "未登录或认证已失效"),
    403: ("permission_denied", "无权访问该接口"),
    405: ("method_not_allowed", "该接口不支持 {method} 方法"),
    413: ("request_too_large", "请求体过大"),
    500: ("server_error", "服务器内部错误，请稍后重试；如问题持续，请联系系统管理员"),
    503: ("service_unavailable", SERVICE_UNAVAILABLE_MESSAGE),
}


class ApiJsonErrorMiddleware:
    """Error answers under /api/ that Django made in HTML (unknown URL, 405, 500 …) become JSON.

    DRF's own answers already have the shape (its browsable pages are left alone).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not is_api(request) or isinstance(response, Response):
            return response
        if response.get("Content-Type", "").split(";")[0].strip().endswith("json"):
            return response
        status = response.status_code
        if status == 404:
            code, message = "not_found", f"接口不存在：{request.method} {request.path}"
            if not request.path_info.endswith("/") and is_valid_path(request.path_info + "/"):
                message += f"（地址应以 / 结尾：{request.path}/）"
        else:
            code, message = API_ERRORS.get(status, ("error", "请求未能完成"))
            message = message.format(method=request.method)
        answer = json_error(status, code, message)
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                answer[header] = response[header]
        answer.cookies = response.cookies
        return answer


class ServiceUnavailableMiddleware:
    """An outage of the database or the broker in a view: 503 with Retry-After, never a 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        log_outage(exception, request.path)
        return service_unavailable(request)
