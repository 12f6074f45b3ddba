"""Process admin API: 批量迁移 — queue the migration of a version's running cases, read its report."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from processes.migration import cancel_batch, start_batch
from processes.migration.batch import REASON_MAX
from processes.models import MigrationBatch, ProcessVersion

from .errors import error_response
from .processes import IsProcessAdmin


class BatchRequestSerializer(serializers.Serializer):
    from_version = serializers.IntegerField(min_value=1, help_text="原版本号（其办理中案件全部迁移）")
    to_version = serializers.IntegerField(min_value=1, help_text="目标版本号")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="迁移原因（记入审计）")


def batch_body(batch: MigrationBatch) -> dict:
    refused = batch.cases.filter(migrated=False).order_by("pk")
    return {
        "id": batch.pk,
        "process": batch.source.definition.key,
        "from_version": batch.source.version,
        "to_version": batch.target.version,
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "reason": batch.reason,
        "total": batch.total,
        "migrated": batch.migrated,
        "refused": batch.refused,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "refused_cases": [
            {"id": c.instance_id, "business_key": c.business_key, "title": c.title, "reasons": c.reasons}
            for c in refused[:500]
        ],
    }


class BatchStartView(APIView):
    """POST: migrate every running case of one version of the process to another; 202 with the batch."""

    permission_classes = [IsProcessAdmin]

    @extend_schema(request=BatchRequestSerializer, responses={202: dict, 400: dict, 404: dict})
    def post(self, request, key: str):
        body = BatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        versions = {
            v.version: v
            for v in ProcessVersion.objects.filter(
                definition__key=key, version__in=[data["from_version"], data["to_version"]]
            ).select_related("definition")
        }
        for field in ("from_version", "to_version"):
            if data[field] not in versions:
                return error_response(
                    404, "not_found", f"流程“{key}”没有 v{data[field]}", {field: "版本不存在"}
                )
        batch = start_batch(
            versions[data["from_version"]], versions[data["to_version"]], request.user, data["reason"]
        )
        return Response(batch_body(batch), status=202)


class BatchView(APIView):
    """GET: a batch's state, counts and the refused cases with their reasons."""

    permission_classes = [IsProcessAdmin]

    @extend_schema(responses={200: dict, 404: dict})
    def get(self, request, batch_id: int):
        batch = get_object_or_404(
            MigrationBatch.objects.select_related("source__definition", "target"), pk=batch_id
        )
        return Response(batch_body(batch))


class BatchCancelView(APIView):
    """POST: 停止 a queued or running batch; the case under way finishes, the others stay."""

    permission_classes = [IsProcessAdmin]

    @extend_schema(request=None, responses={200: dict, 400: dict, 404: dict})
    def post(self, request, batch_id: int):
        get_object_or_404(MigrationBatch, pk=batch_id)
        cancel_batch(batch_id, request.user, str(request.data.get("reason") or ""))
        batch = MigrationBatch.objects.select_related("source__definition", "target").get(pk=batch_id)
        return Response(batch_body(batch))
