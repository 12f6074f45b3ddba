"""Structured JSON errors for the REST API: ``{"error": {"code", "message", "details"}}``."""

from rest_framework.response import Response
from rest_framework.views import exception_handler


def structured_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and set(data) == {"detail"}:
        message, details = str(data["detail"]), {}
    else:
        message, details = "请求参数有误", data
    return Response(
        {"error": {"code": code, "message": message, "details": details}},
        status=response.status_code,
        headers=getattr(response, "headers", None) and dict(response.headers),
    )
