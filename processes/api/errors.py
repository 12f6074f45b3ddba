"""Structured JSON errors for the REST API: ``{"error": {"code", "message", "details"}}``.

DRF views answer through ``structured_exception_handler``; refusals made outside DRF (the
middleware in ``config.middleware``) answer the same shape through ``json_error``.
"""

import logging

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler

from processes.errors import UserFacingError

logger = logging.getLogger(__name__)

# The database or the Celery broker cannot be reached: the request may succeed if repeated.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 30
SERVICE_UNAVAILABLE_MESSAGE = "服务暂时不可用（数据库或消息队列连接中断），请稍后重试"


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status: int, code: str, message: str, details: dict | None = None) -> Response:
    return Response(error_body(code, message, details), status=status)


def json_error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    """The API's error shape for answers given outside a DRF view."""
    return JsonResponse(
        error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def log_outage(exc: BaseException, path: str) -> None:
    # SQLite reports some programming errors as OperationalError too: keep the traceback.
    logger.error("Service unavailable (%s) answering %s", type(exc).__name__, path, exc_info=exc)


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return f"请求体超过 {limit / 1024 / 1024:.1f} MB 的上限，请拆分后分批提交"


def too_large_details(content_length: int | None = None) -> dict:
    details = {"limit_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    if content_length:
        details["content_length"] = content_length
    return details


def structured_exception_handler(exc, context):
    if isinstance(exc, UserFacingError):
        return error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, ObjectDoesNotExist):
        return error_response(404, "not_found", "对象不存在或您无权访问")
    if is_outage(exc):
        log_outage(exc, context["request"].path if context.get("request") else "")
        response = error_response(503, "service_unavailable", SERVICE_UNAVAILABLE_MESSAGE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "request_too_large", too_large_message(), too_large_details())
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields or files
        return error_response(400, "bad_request", "请求数据无法处理，请检查提交的内容")
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and set(data) == {"detail"}:
        message, details = str(data["detail"]), {}
    else:
        message, details = "请求参数有误", data
    wrapped = error_response(response.status_code, code, message, details)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            wrapped[header] = response[header]
    return wrapped
