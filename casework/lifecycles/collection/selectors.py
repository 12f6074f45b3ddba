"""Reads of 归集公示: a department's own records, one record with its versions, the public view."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.organization.permissions import Person, is_process_admin

from .models import CollectedRecord, RecordVersion
from .services import provider_departments


def visible_records(user: Person) -> QuerySet[CollectedRecord]:
    """A department sees its own records; process admins see all."""
    qs = CollectedRecord.objects.select_related("provider", "instance")
    if is_process_admin(user):
        return qs
    return qs.filter(provider__code__in=provider_departments(user))


def record_list(
    user: Person, *, state: str = "", record_type: str = "", q: str = ""
) -> QuerySet[CollectedRecord]:
    qs = visible_records(user)
    if state:
        qs = qs.filter(state=state)
    if record_type:
        qs = qs.filter(record_type=record_type)
    if q:
        qs = qs.filter(
            Q(enterprise_name__icontains=q) | Q(credit_code=q.upper()) | Q(document_number__icontains=q)
        )
    return qs.order_by("-collected_at", "-pk")


def visible_record(user: Person, pk: int) -> CollectedRecord | None:
    return visible_records(user).filter(pk=pk).first()


def versions_of(item: CollectedRecord) -> list[RecordVersion]:
    return list(item.versions.select_related("submitted_by").order_by("-version"))


def published_for(credit_code: str) -> QuerySet[CollectedRecord]:
    """What the public may see of an enterprise: published records only (never archived, withdrawn,
    confidential or unpublished ones)."""
    return CollectedRecord.objects.filter(
        credit_code=credit_code, state=CollectedRecord.State.PUBLISHED
    ).select_related("provider")


def shown_value(field: dict, value) -> str:
    """A value as people read it: a choice's label, not its code."""
    for choice in field.get("choices") or []:
        if isinstance(choice, dict) and choice.get("code") == value:
            return str(choice.get("label") or value)
    return "" if value is None else str(value)


def labelled(spec: dict, values: dict) -> list[tuple[str, str]]:
    """(label, shown value) of a record's values, in the spec's order (fields it no longer has last)."""
    fields = {f["name"]: f for f in spec.get("fields", [])}
    ordered = [name for name in fields if name in values] + [name for name in values if name not in fields]
    return [
        (fields[name].get("label", name), shown_value(fields[name], values[name]))
        if name in fields
        else (name, str(values[name]))
        for name in ordered
    ]
