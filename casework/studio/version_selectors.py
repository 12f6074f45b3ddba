"""Reads for the versions pages of the studio: a process's versions with their case counts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from casework.clocks.models import LegalClock
from processes.models import AuditEvent, ProcessDefinition, ProcessInstance, ProcessVersion

#: A case still on its way: it keeps the version it started on until it ends or is migrated.
OPEN_STATUSES = (
    ProcessInstance.Status.RUNNING,
    ProcessInstance.Status.SUSPENDED,
    ProcessInstance.Status.INCIDENT,
)


def definition_by_key(key: str) -> ProcessDefinition:
    return get_object_or_404(ProcessDefinition, key=key)


def versions_with_counts(definition: ProcessDefinition) -> QuerySet[ProcessVersion]:
    """Every version of the process, newest first, with ``running_cases`` and ``all_cases``."""
    return (
        definition.versions.select_related("deployed_by")
        .annotate(
            running_cases=Count("instances", filter=Q(instances__status__in=OPEN_STATUSES)),
            all_cases=Count("instances"),
        )
        .defer("bpmn_xml")
        .order_by("-version")
    )


def version(version_id: int) -> ProcessVersion:
    return get_object_or_404(
        ProcessVersion.objects.select_related("definition", "deployed_by"), pk=version_id
    )


def previous_version(version: ProcessVersion) -> ProcessVersion | None:
    """The version deployed just before this one (by number), if any."""
    return (
        ProcessVersion.objects.select_related("deployed_by")
        .filter(definition_id=version.definition_id, version__lt=version.version)
        .order_by("-version")
        .first()
    )


def other_versions(version: ProcessVersion) -> list[ProcessVersion]:
    """The versions a version may be compared with (same process), newest first."""
    return list(
        ProcessVersion.objects.filter(definition_id=version.definition_id)
        .exclude(pk=version.pk)
        .defer("bpmn_xml")
        .order_by("-version")
    )


def clock_titles(keys: set[str]) -> dict[str, str]:
    """``{"push.claim": "认领时限", …}`` for the legal clock keys named by timers (unknown keys left out)."""
    titles: dict[str, str] = {}
    for key, title in (
        LegalClock.objects.filter(key__in=keys).order_by("key", "jurisdiction").values_list("key", "title")
    ):
        titles.setdefault(key, title)
    return titles


#: The audit rows that make a version the one new cases start on.
ACTIVATIONS = ("process_deployed", "process_activated")


def activation_history(definition: ProcessDefinition, limit: int = 20) -> list[AuditEvent]:
    """版本启用记录: the latest deploys and (re-)activations of the process, newest first."""
    return list(
        AuditEvent.objects.filter(action__in=ACTIVATIONS, payload__key=definition.key)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
