"""Working-day deadline API: ``GET /api/v1/calendar/deadline?start=2025-09-28&workdays=7``, and
``GET /api/v1/calendar/status``: whether the holiday table covers this year and the next.

Public holiday information, so no login is required. Errors are answered directly in the API's
structured shape ``{"error": {"code", "message", "details"}}`` with HTTP 400.
"""

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from processes.api.errors import error_response
from processes.business_calendar import CalendarNotCovered, deadline_at, parse_iso_date
from processes.calendar_coverage import status

MAX_WORKDAYS = 3650
_INT = re.compile(r"[0-9]+")


def _error(code: str, message: str, details: dict[str, str]) -> Response:
    return error_response(400, code, message, details)


_DEADLINE_RESPONSE = inline_serializer(
    name="CalendarDeadline",
    fields={
        "start": serializers.DateField(help_text="起始日期（不计入期限）"),
        "workdays": serializers.IntegerField(help_text="工作日天数"),
        "deadline": serializers.DateField(help_text="期限届满日"),
        "deadline_at": serializers.DateTimeField(help_text="期限届满时刻（当日 23:59:59，北京时间）"),
    },
)
_ERROR_RESPONSE = inline_serializer(
    name="CalendarDeadlineError",
    fields={
        "error": inline_serializer(
            name="CalendarDeadlineErrorBody",
            fields={
                "code": serializers.ChoiceField(choices=["invalid_parameter", "calendar_not_covered"]),
                "message": serializers.CharField(),
                "details": serializers.DictField(child=serializers.CharField()),
            },
        )
    },
)


class DeadlineView(APIView):
    """The date N Chinese working days (工作日, 调休上班日 included) after a start date."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calendar_deadline",
        summary="计算工作日期限",
        description=(
            "按国务院办公厅节假日安排（含周末调休上班日）计算自起始日起第 N 个工作日。"
            "起始日当天不计入期限，无论其是否为工作日；workdays=0 时期限即起始日。"
            "尚未录入节假日安排的年份返回 calendar_not_covered 错误。"
        ),
        parameters=[
            OpenApiParameter(
                name="start",
                type=OpenApiTypes.DATE,
                location=OpenApiParameter.QUERY,
                required=True,
                description="起始日期，格式 YYYY-MM-DD（不计入期限）",
                examples=[OpenApiExample("国庆前调休上班日", value="2025-09-28")],
            ),
            OpenApiParameter(
                name="workdays",
                type=OpenApiTypes.INT,
                location=OpenApiParameter.QUERY,
                required=True,
                description=f"工作日天数，0 至 {MAX_WORKDAYS} 的整数",
                examples=[OpenApiExample("7 个工作日", value=7)],
            ),
        ],
        responses={
            200: OpenApiResponse(
                response=_DEADLINE_RESPONSE,
                examples=[
                    OpenApiExample(
                        "跨国庆假期",
                        value={
                            "start": "2025-09-28",
                            "workdays": 7,
                            "deadline": "2025-10-14",
                            "deadline_at": "2025-10-14T23:59:59+08:00",
                        },
                    )
                ],
            ),
            400: OpenApiResponse(
                response=_ERROR_RESPONSE,
                description="参数无效（invalid_parameter）或该年节假日安排尚未录入（calendar_not_covered）",
            ),
        },
        tags=["calendar"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        details: dict[str, str] = {}
        raw_start = request.query_params.get("start")
        raw_n = request.query_params.get("workdays")

        start = None
        if raw_start is None or not raw_start.strip():
            details["start"] = "缺少起始日期，格式 YYYY-MM-DD"
        else:
            try:
                start = parse_iso_date(raw_start)
            except ValueError:
                details["start"] = "起始日期无效，应为 YYYY-MM-DD 格式的有效日期"

        n = None
        if raw_n is None or not raw_n.strip():
            details["workdays"] = "缺少工作日天数"
        elif not _INT.fullmatch(raw_n.strip()):
            details["workdays"] = f"工作日天数应为 0 至 {MAX_WORKDAYS} 的整数"
        else:
            n = int(raw_n.strip())
            if n > MAX_WORKDAYS:
                details["workdays"] = f"工作日天数应为 0 至 {MAX_WORKDAYS} 的整数"
                n = None

        if details or start is None or n is None:
            return _error("invalid_parameter", "请求参数有误", details)

        try:
            due = deadline_at(start, n)
        except CalendarNotCovered as exc:
            # Blame the start date if its own year is unknown, else the count that ran past the data.
            param = "start" if exc.year == start.year else "workdays"
            return _error("calendar_not_covered", str(exc), {param: f"{exc.year}年的节假日安排尚未录入"})
        except OverflowError:
            return _error("invalid_parameter", "请求参数有误", {"start": "起始日期超出可计算的日期范围"})
        return Response(
            {
                "start": start.isoformat(),
                "workdays": n,
                "deadline": due.date().isoformat(),
                "deadline_at": due.isoformat(),
            }
        )


_WARNING_FIELDS = {
    "year": serializers.IntegerField(help_text="需要导入节假日安排的年份"),
    "code": serializers.ChoiceField(choices=["current_year_not_covered", "next_year_not_covered"]),
    "level": serializers.ChoiceField(
        choices=["error", "warning"], help_text="本年未导入为 error，下一年为 warning"
    ),
    "title": serializers.CharField(),
    "message": serializers.CharField(help_text="问题及处理办法"),
}
_STATUS_RESPONSE = inline_serializer(
    name="CalendarStatus",
    fields={
        "today": serializers.DateField(help_text="今天（北京时间）"),
        "current_year": serializers.IntegerField(),
        "current_year_covered": serializers.BooleanField(
            help_text="本年节假日安排是否已导入（或由内置数据覆盖）"
        ),
        "next_year": serializers.IntegerField(),
        "next_year_covered": serializers.BooleanField(help_text="下一年节假日安排是否已导入"),
        "warn_from": serializers.DateField(help_text="自该日起，下一年未导入即发出警告（11月1日）"),
        "warnings": inline_serializer(name="CalendarCoverageWarning", fields=_WARNING_FIELDS, many=True),
    },
)


class CalendarStatusView(APIView):
    """Whether the holiday table covers this year and (from 1 November) the next: for monitoring."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calendar_status",
        summary="节假日安排覆盖情况",
        description=(
            "本年及下一年的节假日安排是否已导入。本年未导入始终列入 warnings（level=error）；"
            "自11月1日起下一年未导入也列入（level=warning）。warnings 为空即无需处理。"
        ),
        responses={
            200: OpenApiResponse(
                response=_STATUS_RESPONSE,
                examples=[
                    OpenApiExample(
                        "下一年尚未导入",
                        value={
                            "today": "2026-12-03",
                            "current_year": 2026,
                            "current_year_covered": True,
                            "next_year": 2027,
                            "next_year_covered": False,
                            "warn_from": "2026-11-01",
                            "warnings": [
                                {
                                    "year": 2027,
                                    "code": "next_year_not_covered",
                                    "level": "warning",
                                    "title": "2027年节假日安排尚未导入",
                                    "message": "2027年节假日安排尚未导入，……请流程管理员导入国务院办公厅关于2027年部分节假日安排的通知（节假日安排年份 → 导入国务院办公厅通知）。",
                                }
                            ],
                        },
                    )
                ],
            )
        },
        tags=["calendar"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status())
