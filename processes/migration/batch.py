"""批量迁移: every unfinished case of one version moved to another by a Celery job, with a report.

``start_batch`` checks the request, snapshots the cases and queues the job after the commit.
``run_batch`` (the job) claims the batch, then migrates case by case — each case's migration and
its report row in one transaction — so a worker killed, a redelivery or a database outage resumes
at the next case: none is migrated twice or forgotten.  A case already on the target when the job
reaches it counts as migrated; one moved elsewhere is reported.  Unsafe cases are refused by the
same fresh dry run as a single migration (``migrate_instances``) and stay as they were.

``resume_stalled`` (beat, every minute) queues again a batch left queued (the broker was down at
its commit) or running without progress for ``MIGRATION_BATCH_STALE_SECONDS`` (its worker died).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..audit import record
from ..engine.core import Actor
from ..errors import UserFacingError
from ..models import MigrationBatch, MigrationBatchCase, ProcessInstance, ProcessVersion
from ..queueing import enqueue_after_commit
from .apply import migrate_instances

log = logging.getLogger("processes.migration")

REASON_MAX = 500
OPEN_STATUSES = (
    ProcessInstance.Status.RUNNING,
    ProcessInstance.Status.SUSPENDED,
    ProcessInstance.Status.INCIDENT,
)


class BatchRefused(UserFacingError):
    code = "migration_batch_refused"


class BatchBusy(BatchRefused):
    """The version already has a batch queued or running."""

    code = "migration_batch_busy"
    status = 409


def start_batch(source: ProcessVersion, target: ProcessVersion, actor: Actor, reason: str) -> MigrationBatch:
    """Queue the migration of every unfinished case of ``source`` to ``target``."""
    reason = (reason or "").strip()
    if not reason:
        raise BatchRefused("请填写迁移原因（记入审计）")
    if len(reason) > REASON_MAX:
        raise BatchRefused(f"迁移原因不能超过 {REASON_MAX} 字")
    if target.definition_id != source.definition_id:
        raise BatchRefused("目标版本不属于同一流程")
    if target.pk == source.pk:
        raise BatchRefused("目标版本与原版本相同")
    with transaction.atomic():
        # one batch per version at a time: lock the version row so two admins cannot both queue one
        ProcessVersion.objects.select_for_update().filter(pk=source.pk).first()
        busy = MigrationBatch.objects.filter(
            source=source, state__in=(MigrationBatch.State.QUEUED, MigrationBatch.State.RUNNING)
        ).first()
        if busy is not None:
            raise BatchBusy(
                f"v{source.version} 已有一批迁移正在进行（#{busy.pk}），请等它完成或先停止它",
                details={"batch": busy.pk},
            )
        ids = list(
            ProcessInstance.objects.filter(process_version=source, status__in=OPEN_STATUSES)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise BatchRefused(f"v{source.version} 上没有办理中的案件")
        batch = MigrationBatch.objects.create(
            source=source,
            target=target,
            reason=reason,
            case_ids=ids,
            total=len(ids),
            created_by_id=getattr(actor, "pk", None),
        )
        record(
            "migration_batch_queued",
            actor=actor,
            batch=batch.pk,
            process=source.definition.key,
            from_version=source.version,
            to_version=target.version,
            cases=len(ids),
            reason=reason,
        )
        _publish(batch)
    return batch


def _publish(batch: MigrationBatch) -> None:
    from ..tasks import migrate_batch

    enqueue_after_commit(migrate_batch, batch.pk)


def _stale() -> timedelta:
    return timedelta(seconds=settings.MIGRATION_BATCH_STALE_SECONDS)


def _claim(batch_id: int) -> bool:
    now = timezone.now()
    stale = Q(state=MigrationBatch.State.RUNNING) & (
        Q(heartbeat_at__lt=now - _stale()) | Q(heartbeat_at=None)
    )
    return bool(
        MigrationBatch.objects.filter(Q(pk=batch_id) & (Q(state=MigrationBatch.State.QUEUED) | stale)).update(
            state=MigrationBatch.State.RUNNING, heartbeat_at=now
        )
    )


def run_batch(batch_id: int) -> MigrationBatch | None:
    """The job: migrate the batch's cases not done yet; ``None`` when another worker has it."""
    if not _claim(batch_id):
        return None
    batch = MigrationBatch.objects.select_related("source", "target", "created_by").get(pk=batch_id)
    if batch.started_at is None:
        MigrationBatch.objects.filter(pk=batch_id).update(started_at=timezone.now())
    done = set(MigrationBatchCase.objects.filter(batch=batch).values_list("instance_id", flat=True))
    for pk in batch.case_ids:
        if pk not in done and not _one(batch, pk):
            return MigrationBatch.objects.get(pk=batch_id)  # 停止: stopped by a person
    with transaction.atomic():
        batch = MigrationBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != MigrationBatch.State.RUNNING:
            return batch
        batch.state = MigrationBatch.State.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "finished_at"])
        record(
            "migration_batch_finished",
            actor=batch.created_by,
            batch=batch.pk,
            from_version=batch.source.version,
            to_version=batch.target.version,
            migrated=batch.migrated,
            refused=batch.refused,
        )
    return batch


def _one(batch: MigrationBatch, pk: int) -> bool:
    """One case: its migration, its report row and the batch's counters commit together.

    The batch row is locked for the case, so 停止 waits for the case under way; False (nothing
    done) once the batch is no longer running.
    """
    with transaction.atomic():
        if not MigrationBatch.objects.select_for_update().filter(
            pk=batch.pk, state=MigrationBatch.State.RUNNING
        ):
            return False
        current = (
            ProcessInstance.objects.filter(pk=pk).only("process_version_id", "business_key", "title").first()
        )
        reasons: list[str] = []
        if current is None:
            migrated, reasons = False, ["案件已不存在"]
        elif current.process_version_id == batch.target_id:
            migrated = True  # done before a restart, or by hand meanwhile
        elif current.process_version_id != batch.source_id:
            migrated, reasons = False, ["案件已不在原版本上（已被迁移到其他版本）"]
        else:
            (outcome,) = migrate_instances([pk], batch.target_id, batch.created_by)
            migrated, reasons = outcome.migrated, list(outcome.reasons)
        MigrationBatchCase.objects.create(
            batch=batch,
            instance_id=pk,
            business_key=current.business_key if current else "",
            title=current.title if current else "",
            migrated=migrated,
            reasons=reasons,
        )
        counter = "migrated" if migrated else "refused"
        MigrationBatch.objects.filter(pk=batch.pk).update(
            **{counter: F(counter) + 1}, heartbeat_at=timezone.now()
        )
    return True


def cancel_batch(batch_id: int, actor: Actor, reason: str = "") -> MigrationBatch:
    """停止: no further case is migrated (the one under way finishes); those done stay migrated."""
    with transaction.atomic():
        batch = MigrationBatch.objects.select_for_update().select_related("source", "target").get(pk=batch_id)
        if not batch.live:
            raise BatchRefused(f"批量迁移 #{batch.pk} 已{batch.get_state_display()}，无需停止")
        batch.state = MigrationBatch.State.CANCELLED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "finished_at"])
        record(
            "migration_batch_cancelled",
            actor=actor,
            batch=batch.pk,
            from_version=batch.source.version,
            to_version=batch.target.version,
            migrated=batch.migrated,
            refused=batch.refused,
            left=batch.left,
            reason=(reason or "").strip()[:REASON_MAX],
        )
    return batch


def resume_stalled() -> list[int]:
    """Queue again the batches that were never started or whose worker stopped; their ids."""
    now = timezone.now()
    stalled = list(
        MigrationBatch.objects.filter(
            Q(
                state=MigrationBatch.State.QUEUED,
                created_at__lt=now - timedelta(seconds=settings.MIGRATION_BATCH_REQUEUE_SECONDS),
            )
            | Q(state=MigrationBatch.State.RUNNING, heartbeat_at__lt=now - _stale())
        ).values_list("pk", flat=True)
    )
    from ..tasks import migrate_batch

    for pk in stalled:
        log.warning("migration batch %s stalled; queued again", pk)
        enqueue_after_commit(migrate_batch, pk)
    return stalled
