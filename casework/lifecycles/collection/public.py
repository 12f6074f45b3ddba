"""What the public portal shows of 归集公示: published records only, every value masked.

Registered with ``casework.portal.registry`` from ``steps``; the portal never reads this
lifecycle's models itself.  Masking is by the spec's field declarations and by pattern in free
text (``masking.mask_values``): a raw ID number never leaves this module.
"""

from __future__ import annotations

from django.db.models import Q

from casework.portal.registry import PublicRecord

from . import services
from .masking import mask_values
from .models import CollectedRecord

REGISTERED = {"动产抵押", "股权出质", "知识产权出质"}  # shown as …登记信息 (seed 004's wording)
ID_PREFIX = "collected:"


def category_of(spec: dict) -> str:
    name = spec["name"]
    return f"{name}登记信息" if name in REGISTERED else f"{name}信息"


def _title(spec: dict, values: dict) -> str:
    for field in spec.get("fields", []):
        if (
            field["name"].endswith("_name")
            and field["name"] != "legal_representative"
            and values.get(field["name"])
        ):
            return str(values[field["name"]])
    return spec["name"]


def _label(field: dict, value: str) -> str:
    for choice in field.get("choices") or []:
        if choice.get("code") == value:
            return choice.get("label", value)
    return value


def public_records(credit_code: str) -> list[PublicRecord]:
    """The enterprise's records that are published now, masked."""
    rows = CollectedRecord.objects.filter(
        credit_code=credit_code, state=CollectedRecord.State.PUBLISHED
    ).select_related("provider")
    found = []
    for item in rows:
        spec = services.type_spec(item.record_type)
        masked = mask_values(spec.get("fields", []), item.values)
        fields = tuple(
            (field.get("label", field["name"]), _label(field, str(masked[field["name"]])))
            for field in spec.get("fields", [])
            if masked.get(field["name"]) not in (None, "")
        )
        found.append(
            PublicRecord(
                record_id=f"{ID_PREFIX}{item.pk}",
                category=category_of(spec),
                title=_title(spec, masked),
                document_number=item.document_number,
                department=item.provider.name,
                published_on=(item.published_at or item.collected_at).date(),
                fields=fields,
            )
        )
    return found


def public_search(query: str, limit: int) -> list[tuple[str, str]]:
    """Enterprises with published records matching a name fragment or an exact credit code."""
    published = CollectedRecord.objects.filter(state=CollectedRecord.State.PUBLISHED)
    if len(query) == 18:
        published = published.filter(credit_code=query)
    else:
        published = published.filter(Q(enterprise_name__icontains=query))
    pairs = published.values_list("credit_code", "enterprise_name").distinct().order_by("enterprise_name")
    return list(pairs[:limit])
