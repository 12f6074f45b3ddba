"""REST exchange for department systems: ``POST /api/v1/records`` (one), ``/records/batch`` (many),
``GET /api/v1/records/<id>`` (the provider's own record).

A department's system user (an officer or reviewer of the department, by token) submits for its own
department only.  Every record goes through ``services.submit_record``, the one validation of every
channel; the answer says per record: ``accepted`` (collected, or ``unchanged``), ``returned`` (saved
but failing the spec: returned to the department for 补正, with the field errors) or ``rejected``
(nothing saved: it could not be identified or the request was malformed).  Records from other areas
arrive the same way (a code registered elsewhere goes to the outbound exchange list).
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.errors import DomainError, Forbidden, UserFacingError
from casework.organization.models import Department
from processes.operation import memo_scope

from . import selectors, services
from .models import CollectedRecord

BATCH_LIMIT = 500


class IsProvider(BasePermission):
    message = "仅审批、执法部门（经办或审核人员）的系统账号可以报送涉企信息"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(services.provider_departments(user))


class RecordIn(serializers.Serializer):
    record_type = serializers.CharField(max_length=40, help_text="信息类别代码，如 permit、penalty")
    provider = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="报送部门代码（只属于一个部门时可省略）"
    )
    credit_code = serializers.CharField(max_length=40, allow_blank=True, help_text="统一社会信用代码")
    enterprise_name = serializers.CharField(max_length=200, allow_blank=True, help_text="市场主体名称")
    values = serializers.DictField(help_text="信息内容：格式规范的字段名 → 值（选项可填代码或名称）")
    backfill = serializers.BooleanField(required=False, default=False, help_text="存量信息补录")
    secret = serializers.BooleanField(required=False, default=False, help_text="涉及国家秘密（不公示）")
    sensitive = serializers.BooleanField(
        required=False, default=False, help_text="涉及商业秘密或个人隐私（公示前保密审查）"
    )


class RecordOut(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.code")
    state_display = serializers.CharField(source="get_state_display")
    case_id = serializers.IntegerField(source="instance_id", allow_null=True)

    class Meta:
        model = CollectedRecord
        fields = [
            "id",
            "record_type",
            "type_name",
            "provider",
            "credit_code",
            "enterprise_name",
            "document_number",
            "state",
            "state_display",
            "version",
            "values",
            "errors",
            "late",
            "backfill",
            "channel",
            "case_id",
            "collected_at",
            "updated_at",
        ]


class RecordResult(serializers.Serializer):
    index = serializers.IntegerField(required=False, help_text="批量时：在请求列表中的序号（从 0 起）")
    status = serializers.ChoiceField(
        choices=["accepted", "returned", "rejected"],
        help_text="accepted 已归集；returned 已保存但不符合格式规范，退回补正；rejected 未保存",
    )
    outcome = serializers.ChoiceField(
        choices=["created", "versioned", "unchanged"], allow_null=True, help_text="新建、新版本或内容未变"
    )
    record = RecordOut(allow_null=True)
    error = serializers.DictField(
        allow_null=True, help_text="未保存时：code、message、details（字段 → 问题）"
    )


def _provider(user, code: str) -> Department:
    """The department the record is submitted for: one of the user's own."""
    own = {d.code: d for d in Department.objects.filter(code__in=services.provider_departments(user))}
    code = (code or "").strip()
    if not code:
        if len(own) != 1:
            raise DomainError("请用 provider 指明报送部门", details={"provider": "不能为空"})
        code = next(iter(own))
    if code not in own:
        raise Forbidden(f"只能报送本部门的涉企信息（{code} 不是您的部门）", details={"provider": code})
    return own[code]


def _submit(user, data: dict) -> dict:
    provider = _provider(user, data.get("provider", ""))
    with transaction.atomic():
        result = services.submit_record(
            provider=provider,
            record_type=data["record_type"],
            credit_code=data["credit_code"],
            enterprise_name=data["enterprise_name"],
            values=data["values"],
            actor=user,
            channel=CollectedRecord.Channel.API,
            backfill=data["backfill"],
            secret=data["secret"],
            sensitive=data["sensitive"],
        )
    return {
        "status": "returned" if result.record.errors else "accepted",
        "outcome": result.outcome,
        "record": RecordOut(result.record).data,
        "error": None,
    }


def _rejected(code: str, message: str, details) -> dict:
    return {
        "status": "rejected",
        "outcome": None,
        "record": None,
        "error": {"code": code, "message": message, "details": details or {}},
    }


class RecordIntakeView(APIView):
    """One record: 201 when created, 200 for a new version or an unchanged resubmission (both with
    ``status`` accepted or returned); 400 (``record_refused``) when it cannot be identified, 403 for
    another department."""

    permission_classes = [IsProvider]

    @extend_schema(request=RecordIn, responses={201: RecordResult, 200: RecordResult})
    def post(self, request):
        body = RecordIn(data=request.data)
        body.is_valid(raise_exception=True)
        with memo_scope():
            answer = _submit(request.user, body.validated_data)
        return Response(answer, status=201 if answer["outcome"] == "created" else 200)


@extend_schema_field(RecordIn)
class BatchItem(serializers.JSONField):
    """A batch item as sent, of any JSON type, so that one which is not an object fails alone."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)


class BatchIn(serializers.Serializer):
    records = serializers.ListField(
        child=BatchItem(),
        min_length=1,
        max_length=BATCH_LIMIT,
        help_text=f"涉企信息列表（每批至多 {BATCH_LIMIT} 条，每条同单条报送）",
    )


class BatchOut(serializers.Serializer):
    accepted = serializers.IntegerField()
    returned = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = RecordResult(many=True)


class RecordBatchIntakeView(APIView):
    """Up to ``BATCH_LIMIT`` records; each is accepted, returned or rejected on its own (its own
    savepoint), so one bad record never holds back the others."""

    permission_classes = [IsProvider]

    @extend_schema(request=BatchIn, responses={200: BatchOut})
    def post(self, request):
        body = BatchIn(data=request.data)
        body.is_valid(raise_exception=True)
        results = []
        with transaction.atomic(), memo_scope():
            services.current_format()
            for index, raw in enumerate(body.validated_data["records"]):
                results.append({"index": index, **self._one(request.user, raw)})
        statuses = [r["status"] for r in results]
        return Response(
            {
                "accepted": statuses.count("accepted"),
                "returned": statuses.count("returned"),
                "rejected": statuses.count("rejected"),
                "results": results,
            }
        )

    @staticmethod
    def _one(user, raw) -> dict:
        if not isinstance(raw, dict):
            message = "每条涉企信息必须是 JSON 对象"
            return _rejected("invalid", message, {"non_field_errors": [message]})
        entry = RecordIn(data=raw)
        if not entry.is_valid():
            return _rejected("invalid", "涉企信息有误", entry.errors)
        try:
            return _submit(user, entry.validated_data)
        except UserFacingError as exc:
            return _rejected(exc.code, exc.message, exc.details)


class RecordDetailView(APIView):
    """The provider's own record (process admins: any); another department's is not found (404)."""

    permission_classes = [IsProvider]

    @extend_schema(responses={200: RecordOut})
    def get(self, request, record_id: int):
        item = selectors.visible_record(request.user, record_id)
        if item is None:
            raise CollectedRecord.DoesNotExist
        return Response(RecordOut(item).data)
