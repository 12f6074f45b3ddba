"""Task REST API for department systems and the web client (token or session auth)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from processes import engine
from processes.api.errors import error_response
from processes.models import HumanTask

from . import selectors


class HumanTaskSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.username", default=None)

    class Meta:
        model = HumanTask
        fields = [
            "id",
            "instance_id",
            "case_type",
            "case_title",
            "subject_name",
            "subject_code",
            "area_code",
            "bpmn_id",
            "name",
            "candidate_department",
            "candidate_role",
            "assignee",
            "state",
            "created_at",
            "claimed_at",
            "completed_at",
            "due_at",
            "due_clock",
            "due_basis",
            "due_provisional",
            "escalation_level",
        ]


class TaskPage(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


class TaskListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "list", str, enum=list(selectors.LISTS), description="queue | mine | overdue | done"
            )
        ],
        responses={200: HumanTaskSerializer(many=True)},
    )
    def get(self, request):
        name = request.query_params.get("list", "queue")
        if name not in selectors.LISTS:
            return error_response(
                400,
                "invalid_parameter",
                f"未知的列表：{name}",
                {"list": f"可选值：{', '.join(selectors.LISTS)}"},
            )
        ignore = ("list", "page", "page_size")
        tasks, filters = selectors.inbox(request.user, name, request.query_params, ignore=ignore)
        if request.query_params.keys() - set(ignore) and not filters.is_valid():
            return error_response(400, "invalid_parameter", "筛选条件有误", filters.errors.get_json_data())
        paginator = TaskPage()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(HumanTaskSerializer(page, many=True).data)


def _visible(request, task_id: int) -> HumanTask:
    task = selectors.visible_task(request.user, task_id)
    if task is None:
        raise HumanTask.DoesNotExist
    return task


class TaskDetailView(APIView):
    @extend_schema(responses={200: HumanTaskSerializer})
    def get(self, request, task_id: int):
        return Response(HumanTaskSerializer(_visible(request, task_id)).data)


class CompleteSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, help_text="表单字段")


class TaskActionView(APIView):
    action = "claim"

    @extend_schema(request=CompleteSerializer, responses={200: HumanTaskSerializer})
    def post(self, request, task_id: int):
        task = _visible(request, task_id)
        if self.action == "claim":
            task = engine.claim_task(task_id=task.pk, user=request.user)
        elif self.action == "release":
            task = engine.release_task(task_id=task.pk, user=request.user)
        else:
            data = request.data.get("data", {}) if isinstance(request.data, dict) else {}
            if not isinstance(data, dict):
                return error_response(400, "invalid_parameter", "data 必须是对象", {"data": "应为 JSON 对象"})
            task = engine.complete_task(task_id=task.pk, user=request.user, data=data)
            next_task = getattr(task, "next_task", None)
            # The case's next task this user kept (keep_assignee), to open without a second claim.
            return Response(
                {**HumanTaskSerializer(task).data, "next_task": next_task.pk if next_task else None}
            )
        return Response(HumanTaskSerializer(task).data)
