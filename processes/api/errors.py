"""Structured JSON errors for the REST API: ``{"error": {"code", "message", "details"}}``."""

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.response import Response
from rest_framework.views import exception_handler

from processes.errors import EngineError


def error_response(status: int, code: str, message: str, details: dict | None = None) -> Response:
    return Response({"error": {"code": code, "message": message, "details": details or {}}}, status=status)


def structured_exception_handler(exc, context):
    if isinstance(exc, EngineError):
        return error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, ObjectDoesNotExist):
        return error_response(404, "not_found", "对象不存在或您无权访问")
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
