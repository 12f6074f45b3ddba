"""Reads of the migration page: a version, the other versions of its process, its running cases."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from processes.models import HumanTask, MigrationBatch, ProcessInstance, ProcessVersion

# Cases a migration is about: still running (an incident or a suspension is shown, and refused
# with its reason by the dry run).
OPEN_STATUSES = (
    ProcessInstance.Status.RUNNING,
    ProcessInstance.Status.SUSPENDED,
    ProcessInstance.Status.INCIDENT,
)


def version_or_404(version_id: int) -> ProcessVersion:
    return get_object_or_404(
        ProcessVersion.objects.select_related("definition", "deployed_by"), pk=version_id
    )


def target_versions(version: ProcessVersion) -> list[ProcessVersion]:
    """The other versions of the same process, newest first."""
    return list(
        ProcessVersion.objects.filter(definition_id=version.definition_id)
        .exclude(pk=version.pk)
        .select_related("deployed_by")
        .order_by("-version")
    )


def running_cases(version: ProcessVersion) -> QuerySet[ProcessInstance]:
    """The version's unfinished cases, oldest first, each with its open tasks (``open_tasks``)."""
    return (
        ProcessInstance.objects.filter(process_version=version, status__in=OPEN_STATUSES)
        .defer("state")
        .prefetch_related(
            Prefetch(
                "human_tasks",
                queryset=HumanTask.objects.filter(state=HumanTask.State.OPEN).order_by("pk"),
                to_attr="open_tasks",
            )
        )
        .order_by("created_at", "pk")
    )


def selected_cases(version: ProcessVersion, ids: list[int]) -> list[ProcessInstance]:
    """The chosen cases that are on ``version`` (any others are ignored), in the order chosen."""
    found = {
        case.pk: case
        for case in ProcessInstance.objects.filter(process_version=version, pk__in=ids).select_related(
            "process_version__definition"
        )
    }
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def batches_of(version: ProcessVersion, limit: int = 10) -> list[MigrationBatch]:
    """The version's latest batch migrations, newest first."""
    return list(
        MigrationBatch.objects.filter(source=version)
        .select_related("target", "created_by")
        .defer("case_ids")
        .order_by("-created_at", "-pk")[:limit]
    )
