"""Chinese 403/404/500 pages inside the workbench frame, with DEBUG on and off.

A signed-in user keeps the page shell (menu, toolbar) around the error, so the way back is one
click. A visitor, or a page whose frame cannot be drawn (the database away), gets the plain page
``http_error.html``. Under ``/api/`` nothing changes: ``ApiJsonErrorMiddleware`` answers JSON.

Django shows its English technical pages instead of ``handler404``/``handler500`` when DEBUG is
on; ``FramedErrorPageMiddleware`` answers first, for exceptions raised in views and for
addresses that match no route. The handlers below serve the rest (DEBUG off).
"""

from __future__ import annotations

import logging
import re

from django.core import signals
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.log import log_response

from .middleware import error_page, is_api

log = logging.getLogger("django.request")

CHINESE = re.compile(r"[\u4e00-\u9fff]")

PAGES = {
    403: ("无权访问", "您没有访问此页面的权限。如需办理，请联系本部门负责人或系统管理员。"),
    404: ("页面不存在", "您要找的页面不存在，或您无权查看。请检查地址，或从工作台重新进入。"),
    500: ("服务器内部错误", "服务器内部错误，页面未能显示。请稍后重试；如问题持续，请联系系统管理员。"),
}
CSRF_MESSAGE = (
    "页面已过期（表单校验信息失效，常见于长时间未操作或已在别处退出）。请返回上一页，刷新后重新提交。"
)


def _reason(exception: BaseException | None) -> str:
    """The refusal's own words when they are meant for people (Chinese), else nothing."""
    if exception is None or isinstance(exception, Resolver404) or not exception.args:
        return ""
    text = exception.args[0]
    return text if isinstance(text, str) and CHINESE.search(text) else ""


def _workbench_match(request: HttpRequest):
    """The resolver match of the workbench home with viewflow's site and app on it (the frame's menu)."""
    match = resolve(reverse("workbench:index"))
    for name, value in getattr(match.url_name, "extra", {}).items():
        setattr(match, name, value)
    return match


def framed_error(request: HttpRequest, status: int, *, reason: str = "", title: str = "", message: str = ""):
    default_title, default_message = PAGES.get(status, PAGES[500])
    title, message = title or default_title, message or default_message
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return error_page(status, title, f"{reason}。{message}" if reason else message)
    previous = getattr(request, "resolver_match", None)
    try:
        if getattr(previous, "site", None) is None:
            request.resolver_match = _workbench_match(request)
        html = render_to_string(
            "http_error_framed.html",
            {"status": status, "title": title, "reason": reason, "message": message},
            request=request,
        )
    except Exception:  # the frame needs the database (menu, unread count); the plain page does not
        log.warning("Error page %s drawn without the workbench frame", status, exc_info=True)
        return error_page(status, title, message)
    finally:
        request.resolver_match = previous
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


# --- handlers (config/urls.py): DEBUG off, and refusals raised outside a view ---------------------


def page_not_found(request, exception=None):
    return framed_error(request, 404, reason=_reason(exception))


def permission_denied(request, exception=None):
    return framed_error(request, 403, reason=_reason(exception))


def server_error(request):
    return framed_error(request, 500)


def bad_request(request, exception=None):
    return framed_error(request, 400, title="请求有误", message="请求无法处理，请返回上一页重试。")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from a page that has expired."""
    return framed_error(request, 403, title="页面已过期", message=CSRF_MESSAGE)


# --- DEBUG on too ---------------------------------------------------------------------------


class FramedErrorPageMiddleware:
    """The Chinese pages whatever DEBUG says, for web pages (not ``/api/``).

    Place it after the authentication middleware (the frame shows the user) and before
    ``ServiceUnavailableMiddleware`` (an outage is a 503, which that one answers first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not is_api(request)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # No route matched: Django's page (its technical one under DEBUG) becomes ours.
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if is_api(request):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if not isinstance(exception, Exception) or _is_client_error(exception):
            return None  # Django's own answer (400 for a bad or suspicious request)
        # What Django does for an uncaught exception: log it with its traceback and tell the
        # test client, which re-raises it in a test that asks for that.
        response = server_error(request)
        log_response(
            "%s: %s",
            "Internal Server Error",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        signals.got_request_exception.send(sender=None, request=request)
        return response


def _is_client_error(exception: Exception) -> bool:
    from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation

    return isinstance(exception, BadRequest | SuspiciousOperation | RequestDataTooBig)
