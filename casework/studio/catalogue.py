"""What the editor's properties panel offers: legal-clock rules (with their basis), departments,
roles, task forms.  Read once per editor page and embedded in it as JSON."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q
from lxml import etree

from casework.clocks.models import LegalClock
from casework.organization.models import Department, Role
from casework.workbench import forms as task_forms
from processes.models import ProcessVersion


def clock_rules(on: date) -> list[dict]:
    """One entry per rule key in force on ``on``: the national default and how many areas differ."""
    rules = LegalClock.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    by_key: dict[str, list[LegalClock]] = defaultdict(list)
    for rule in rules.order_by("key", "jurisdiction"):
        by_key[rule.key].append(rule)
    entries = []
    for key, found in sorted(by_key.items()):
        main = next((r for r in found if not r.jurisdiction), found[0])
        entries.append(
            {
                "key": key,
                "title": main.title,
                "days": main.days,
                "unit": main.get_unit_display(),
                "basis": main.legal_basis,
                "area": main.jurisdiction_name,
                "variants": [
                    f"{r.jurisdiction_name} {r.days} {r.get_unit_display()}" for r in found if r != main
                ],
            }
        )
    return entries


def departments() -> list[dict]:
    return [
        {"code": d.code, "name": d.name, "kind": d.get_kind_display()}
        for d in Department.objects.order_by("kind", "code").only("code", "name", "kind")
    ]


def roles() -> list[dict]:
    return [{"code": code, "name": str(label)} for code, label in Role.choices]


def _element_names(case_type: str) -> dict[str, str]:
    version = ProcessVersion.objects.filter(definition__key=case_type, is_active=True).first()
    if version is None:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(version.bpmn_xml.encode("utf-8"), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return {}
    return {e.get("id"): e.get("name") or "" for e in root.iter() if e.get("id")}


def forms(case_type: str) -> list[dict]:
    """The task forms the lifecycle of ``case_type`` registered, named by the step they were made for."""
    names = _element_names(case_type)
    return [
        {"key": bpmn_id, "name": names.get(bpmn_id) or bpmn_id}
        for (kind, bpmn_id) in sorted(task_forms.registered_forms())
        if kind == case_type
    ]


def for_editor(case_type: str, on: date) -> dict:
    return {
        "clocks": clock_rules(on),
        "departments": departments(),
        "roles": roles(),
        "forms": forms(case_type),
    }
