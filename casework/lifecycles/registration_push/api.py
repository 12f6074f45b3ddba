"""REST intake for the registrar's system: POST a registration (or a batch), idempotent by ``event_id``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.organization.permissions import has_role

from .models import Registration
from .services import receive_registration, receive_registrations

BATCH_LIMIT = 500


class IsRegistrar(BasePermission):
    message = "仅登记机关（登记人员）可以推送登记信息"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, "registrar")))


class RegistrationIn(serializers.Serializer):
    event_id = serializers.CharField(max_length=100, help_text="登记事件编号（幂等键）")
    credit_code = serializers.CharField(max_length=40, help_text="统一社会信用代码")
    name = serializers.CharField(max_length=200, help_text="市场主体名称")
    business_scope = serializers.CharField(max_length=5000, allow_blank=True, help_text="经营范围")
    registration_authority = serializers.CharField(max_length=50, help_text="登记机关部门代码")
    division_code = serializers.RegexField(
        r"^[0-9]{6}$", required=False, help_text="行政区划代码（默认登记机关所在地）"
    )
    registered_on = serializers.DateField(help_text="登记日期")
    registration_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="旧 15 位注册号（可选）"
    )
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    confirm_pilot_code = serializers.BooleanField(
        required=False,
        default=False,
        help_text="试点期代码，确认无误：统一社会信用代码校验位不符时必须为 true 才推送（记入审计）",
    )


class RegistrationOut(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code")
    credit_code_warning = serializers.CharField(source="enterprise.credit_code_warning")
    case_id = serializers.IntegerField(source="instance_id")

    class Meta:
        model = Registration
        fields = [
            "id",
            "event_id",
            "credit_code",
            "credit_code_warning",
            "division_code",
            "case_id",
            "routing",
            "received_at",
        ]


def _item(v: dict) -> dict:
    """A validated ``RegistrationIn`` as the keyword arguments of ``receive_registration``."""
    return {
        "event_id": v["event_id"],
        "credit_code": v["credit_code"],
        "name": v["name"],
        "business_scope": v["business_scope"],
        "authority_code": v["registration_authority"],
        "division_code": v.get("division_code", ""),
        "registered_on": v["registered_on"],
        "legal_representative": v.get("legal_representative", ""),
        "address": v.get("address", ""),
        "registration_number": v.get("registration_number", ""),
        "confirm_pilot_code": v.get("confirm_pilot_code", False),
    }


class RegistrationIntakeView(APIView):
    """201 with the new case and its routing; 200 with the first one if the event was seen.

    The service refuses (403) a push for another authority or outside its area, (409) an
    event id already used with other content, and (400, ``unconfirmed_credit_code``) a credit
    code whose check characters fail unless ``confirm_pilot_code`` is true; the API's exception
    handler shapes the answer.
    """

    permission_classes = [IsRegistrar]

    @extend_schema(request=RegistrationIn, responses={201: RegistrationOut, 200: RegistrationOut})
    def post(self, request):
        body = RegistrationIn(data=request.data)
        body.is_valid(raise_exception=True)
        registration, created = receive_registration(**_item(body.validated_data), actor=request.user)
        return Response(RegistrationOut(registration).data, status=201 if created else 200)


@extend_schema_field(RegistrationIn)
class BatchItem(serializers.JSONField):
    """A batch item as sent, of any JSON type, so that one which is not an object fails alone."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)


class BatchIn(serializers.Serializer):
    registrations = serializers.ListField(
        child=BatchItem(),
        min_length=1,
        max_length=BATCH_LIMIT,
        help_text=f"登记信息列表（每批至多 {BATCH_LIMIT} 条，每条同单条推送）",
    )


class BatchItemOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="在请求列表中的序号（从 0 起）")
    event_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "failed"])
    registration = RegistrationOut(allow_null=True)
    error = serializers.DictField(allow_null=True, help_text="失败时：code、message、details")


class BatchOut(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BatchItemOut(many=True)


def _failed(index: int, event_id, code: str, message: str, details: dict) -> dict:
    error = {"code": code, "message": message, "details": details}
    return {
        "index": index,
        "event_id": str(event_id or ""),
        "status": "failed",
        "registration": None,
        "error": error,
    }


class RegistrationBatchIntakeView(APIView):
    """A batch from the registrar's system in one transaction; each item succeeds or fails alone."""

    permission_classes = [IsRegistrar]

    @extend_schema(request=BatchIn, responses={200: BatchOut})
    def post(self, request):
        body = BatchIn(data=request.data)
        body.is_valid(raise_exception=True)
        results: list[dict | None] = []
        accepted: list[tuple[int, dict]] = []
        for index, raw in enumerate(body.validated_data["registrations"]):
            if not isinstance(raw, dict):
                message = "每条登记信息必须是 JSON 对象"
                results.append(_failed(index, "", "invalid", message, {"non_field_errors": [message]}))
                continue
            entry = RegistrationIn(data=raw)
            if not entry.is_valid():
                results.append(_failed(index, raw.get("event_id"), "invalid", "登记信息有误", entry.errors))
                continue
            results.append(None)
            accepted.append((index, _item(entry.validated_data)))
        received = (
            receive_registrations([item for _, item in accepted], actor=request.user) if accepted else []
        )
        for (index, item), outcome in zip(accepted, received, strict=True):
            if outcome.error is not None:
                exc = outcome.error
                results[index] = _failed(index, item["event_id"], exc.code, exc.message, exc.details)
                continue
            results[index] = {
                "index": index,
                "event_id": item["event_id"],
                "status": "created" if outcome.created else "duplicate",
                "registration": RegistrationOut(outcome.registration).data,
                "error": None,
            }
        statuses = [r["status"] for r in results if r is not None]
        return Response(
            {
                "created": statuses.count("created"),
                "duplicates": statuses.count("duplicate"),
                "failed": statuses.count("failed"),
                "results": results,
            }
        )
