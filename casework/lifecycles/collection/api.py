"""REST exchange for department systems: ``POST /api/v1/records`` (one), ``/records/batch`` (many),
``GET /api/v1/records/<id>`` (the provider's own record).

A department's system user (an officer or reviewer of the department, by token) submits for its own
department only.  Every record goes through ``services.submit_record``, the one validation of every
channel; the answer says per record: ``accepted`` (collected, or ``unchanged``), ``returned`` (saved
but failing the spec: returned to the department for 补正, with the field errors) or ``rejected``
(nothing saved: it could not be identified or the request was malformed).  Records from other areas
arrive the same way (a code registered elsewhere goes to the outbound exchange list).

外地主体信息交换 (``/api/v1/exchange/batches``): the registration area's system (an account with the
``casework.receive_exchangebatch`` permission) and 市场监管 staff read the batches and post the receipt.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.errors import DomainError, Forbidden, UserFacingError
from casework.organization.models import Department
from processes.operation import memo_scope

from . import exchange, selectors, services
from .models import CollectedRecord, ExchangeBatch

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


# --- 外地主体信息交换: the registration area's system reads batches and answers them ----------------


class IsExchangeParty(BasePermission):
    message = "仅市场监管部门（登记机关）工作人员或登记地系统账号可以访问交换批次"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and exchange.may_receive(user)


class ExchangeValue(serializers.Serializer):
    label = serializers.CharField(help_text="字段名称（格式规范）")
    value = serializers.CharField(help_text="字段值（选项显示为名称）")


class ExchangeRecordOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="信息编号：回执按此逐条答复")
    record_type = serializers.CharField(help_text="信息类别代码（格式规范）")
    type_name = serializers.CharField()
    format_version = serializers.IntegerField(help_text="报送时的格式规范版本")
    version = serializers.IntegerField(help_text="信息当前版本")
    sent_version = serializers.IntegerField(help_text="本批次发送的版本")
    provider = serializers.CharField(help_text="提供部门代码")
    provider_name = serializers.CharField()
    credit_code = serializers.CharField()
    enterprise_name = serializers.CharField()
    document_number = serializers.CharField()
    produced_on = serializers.DateField(allow_null=True)
    sensitive = serializers.BooleanField(help_text="涉及商业秘密或个人隐私，公示前须保密审查")
    values = serializers.DictField(help_text="格式规范字段名 → 值（未屏蔽：政府部门间交换）")
    labelled = ExchangeValue(many=True)
    outcome = serializers.ChoiceField(choices=["waiting", "accepted", "returned"], help_text="接收结果")
    reason = serializers.CharField(allow_blank=True, help_text="退回原因")


class ExchangeBatchSummary(serializers.Serializer):
    number = serializers.CharField(help_text="批次编号")
    department = serializers.CharField(help_text="交换部门代码")
    department_name = serializers.CharField()
    target_code = serializers.CharField(help_text="登记地行政区划代码")
    target_name = serializers.CharField(help_text="登记地")
    record_count = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ExchangeBatch.State.choices)
    state_display = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    accepted_count = serializers.IntegerField()
    returned_count = serializers.IntegerField()
    receiver_message = serializers.CharField(allow_blank=True)


class ExchangeBatchOut(ExchangeBatchSummary):
    records = ExchangeRecordOut(many=True)


class ExchangeBatchList(serializers.Serializer):
    count = serializers.IntegerField()
    results = ExchangeBatchSummary(many=True)


class ExchangeAckIn(serializers.Serializer):
    accepted = serializers.JSONField(
        required=False, default=list, help_text="接收的信息编号列表（写入登记地公示系统）"
    )
    returned = serializers.JSONField(
        required=False, default=dict, help_text="退回的信息：信息编号 → 退回原因（不能为空）"
    )
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ExchangeAckOut(serializers.Serializer):
    unchanged = serializers.BooleanField(help_text="同一回执重复提交：未作改变")
    batch = ExchangeBatchSummary()


def _batch_or_404(user, number: str) -> ExchangeBatch:
    batch = exchange.batch_for(user, number)
    if batch is None:
        raise ExchangeBatch.DoesNotExist
    return batch


class ExchangeBatchListView(APIView):
    """交换批次: 市场监管 sees its own; the registration area's system the sent ones (newest first)."""

    permission_classes = [IsExchangeParty]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                str,
                enum=ExchangeBatch.State.values,
                description="批次状态，如 sent（已发送，待接收）",
            ),
            OpenApiParameter("target", str, description="登记地行政区划代码，如 500000"),
        ],
        responses={200: ExchangeBatchList},
    )
    def get(self, request):
        batches = exchange.visible_batches(request.user)
        state = request.query_params.get("state", "")
        if state:
            if state not in ExchangeBatch.State.values:
                raise DomainError(
                    f"未知的批次状态：{state}",
                    details={"state": f"应为 {'、'.join(ExchangeBatch.State.values)} 之一"},
                )
            batches = batches.filter(state=state)
        if request.query_params.get("target"):
            batches = batches.filter(target_code=request.query_params["target"])
        rows = list(batches[:BATCH_LIMIT])
        return Response({"count": len(rows), "results": [exchange.batch_summary(b) for b in rows]})


class ExchangeBatchDetailView(APIView):
    """One batch with its records in the format spec's fields, unmasked."""

    permission_classes = [IsExchangeParty]

    @extend_schema(responses={200: ExchangeBatchOut})
    def get(self, request, number: str):
        return Response(exchange.batch_document(_batch_or_404(request.user, number)))


class ExchangeBatchAckView(APIView):
    """回执: every record of the batch accepted or returned (with its reason).  The same receipt again
    answers 200 with ``unchanged``; a different answer to an answered batch is 409; a receipt that does
    not fit the batch is 400 with a specific code (``exchange_ack_unknown_record``,
    ``exchange_ack_incomplete``, ``exchange_ack_conflicting``, ``exchange_ack_reason_required``,
    ``exchange_ack_malformed``)."""

    permission_classes = [IsExchangeParty]

    @extend_schema(request=ExchangeAckIn, responses={200: ExchangeAckOut})
    def post(self, request, number: str):
        batch = _batch_or_404(request.user, number)
        body = ExchangeAckIn(data=request.data)
        body.is_valid(raise_exception=True)
        done = exchange.acknowledge(
            batch,
            body.validated_data["accepted"],
            body.validated_data["returned"],
            actor=request.user,
            message=body.validated_data["message"],
        )
        return Response({"unchanged": done.unchanged, "batch": exchange.batch_summary(done.batch)})
