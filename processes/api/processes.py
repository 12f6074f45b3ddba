"""Process admin API: deploy BPMN, suspend/resume/terminate cases, retry incidents."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from processes import engine, hooks
from processes.deploy import deploy_bpmn
from processes.errors import EngineError
from processes.models import Incident, ProcessInstance

from .errors import error_response


class IsProcessAdmin(BasePermission):
    message = "仅流程管理员可以执行此操作"

    def has_permission(self, request, view):
        return hooks.is_process_admin(request.user)


class DeploySerializer(serializers.Serializer):
    file = serializers.FileField(help_text="BPMN 2.0 XML 文件")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="部署说明")


class DeployView(APIView):
    """POST a .bpmn file; 201 with the new version or 400 with every problem."""

    permission_classes = [IsProcessAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=DeploySerializer, responses={201: dict, 400: dict})
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return error_response(400, "invalid_parameter", "请上传 BPMN 文件", {"file": "必填"})
        try:
            xml = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return error_response(
                400, "invalid_parameter", "文件不是 UTF-8 编码的 BPMN XML", {"file": "编码错误"}
            )
        comment = str(request.data.get("comment") or "")
        if len(comment) > 500:
            return error_response(400, "invalid_parameter", "部署说明不能超过 500 字", {"comment": "过长"})
        result = deploy_bpmn(xml=xml, source_name=upload.name, actor=request.user, comment=comment)
        version = result.version
        return Response(
            {
                "key": version.definition.key,
                "version": version.version,
                "created": result.created,
                "sha256": version.sha256,
                "comment": version.comment,
            },
            status=201 if result.created else 200,
        )


class InstanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessInstance
        fields = [
            "id",
            "case_type",
            "business_key",
            "title",
            "status",
            "version",
            "next_timer_at",
            "created_at",
            "updated_at",
            "completed_at",
        ]


class InstanceActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class InstanceActionView(APIView):
    """POST suspend / resume / terminate on a case."""

    permission_classes = [IsProcessAdmin]
    action = "suspend"

    @extend_schema(request=InstanceActionSerializer, responses={200: InstanceSerializer})
    def post(self, request, instance_id: int):
        body = InstanceActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
        if self.action == "suspend":
            instance = engine.suspend_instance(instance_id=instance_id, actor=request.user, reason=reason)
        elif self.action == "resume":
            instance = engine.resume_instance(instance_id=instance_id, actor=request.user, reason=reason)
        else:
            instance = engine.terminate_instance(instance_id=instance_id, actor=request.user, reason=reason)
        return Response(InstanceSerializer(instance).data)


class IncidentRetryView(APIView):
    permission_classes = [IsProcessAdmin]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, incident_id: int):
        with transaction.atomic():
            incident = engine.retry_incident(incident_id=incident_id, actor=request.user)
        incident = Incident.objects.get(pk=incident.pk)
        if incident.status != Incident.Status.RESOLVED:
            raise EngineError(f"重试仍然失败：{incident.message[:300]}", details={"incident_id": incident.pk})
        return Response({"id": incident.pk, "status": incident.status, "retries": incident.retries})
