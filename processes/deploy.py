"""Deploying BPMN: validate, store the XML once per version, switch the active version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from .audit import record
from .bpmn_validation import Problem, validate_bpmn
from .errors import DeployRejected
from .models import ProcessDefinition, ProcessVersion


@dataclass(frozen=True)
class DeployResult:
    version: ProcessVersion
    created: bool


def deploy_bpmn(*, xml: str | bytes, source_name: str = "", actor=None, comment: str = "") -> DeployResult:
    """Deploy a BPMN file as the new active version of its process.

    Raises DeployRejected with every problem (element id + reason) and changes nothing if
    the diagram is invalid or unsafe.  Deploying identical XML again is a no-op.
    """
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    parsed, problems = validate_bpmn(text, source_name=source_name)
    if problems or parsed is None:
        raise DeployRejected(problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with transaction.atomic():
        definition, _ = ProcessDefinition.objects.select_for_update().get_or_create(
            key=parsed.process_id, defaults={"name": parsed.name or parsed.process_id}
        )
        existing = definition.versions.filter(sha256=digest).order_by("-version").first()
        if existing is not None and existing.is_active:
            return DeployResult(existing, False)
        definition.versions.filter(is_active=True).update(is_active=False)
        if existing is not None:
            existing.is_active = True
            existing.save(update_fields=["is_active"])
            record(
                "process_activated",
                actor=actor,
                key=definition.key,
                version=existing.version,
                comment=comment,
            )
            return DeployResult(existing, False)
        number = (definition.versions.aggregate(n=Max("version"))["n"] or 0) + 1
        version = ProcessVersion.objects.create(
            definition=definition,
            version=number,
            bpmn_xml=text,
            sha256=digest,
            source_name=source_name,
            comment=comment[:500],
            deployed_by=actor if getattr(actor, "is_authenticated", False) else None,
            is_active=True,
        )
        if parsed.name and parsed.name != definition.name:
            definition.name = parsed.name
            definition.save(update_fields=["name"])
        record(
            "process_deployed",
            actor=actor,
            key=definition.key,
            version=number,
            sha256=digest,
            source=source_name,
            comment=comment,
        )
    return DeployResult(version, True)


def activate_version(*, version_id: int, actor=None, reason: str = "") -> ProcessVersion:
    """回退 / 重新启用: make an older (or newer) deployed version the one new cases start on.

    Running cases stay on the version they started on; only new cases move.
    """
    if not reason.strip():
        raise DeployRejected([Problem("", "请填写启用该版本的原因")])
    with transaction.atomic():
        version = ProcessVersion.objects.select_for_update().select_related("definition").get(pk=version_id)
        ProcessDefinition.objects.select_for_update().get(pk=version.definition_id)
        previous = version.definition.versions.filter(is_active=True).exclude(pk=version.pk).first()
        if version.is_active:
            return version
        version.definition.versions.filter(is_active=True).update(is_active=False)
        version.is_active = True
        version.save(update_fields=["is_active"])
        record(
            "process_activated",
            actor=actor,
            key=version.definition.key,
            version=version.version,
            previous=previous.version if previous else None,
            comment=reason.strip(),
        )
    return version


def bpmn_dir() -> Path:
    return Path(settings.BASE_DIR) / "bpmn"


def load_bundled_processes(*, actor=None) -> list[DeployResult]:
    """Deploy every ``bpmn/*.bpmn`` not yet deployed (first run: each becomes version 1)."""
    results = []
    for path in sorted(bpmn_dir().glob("*.bpmn")):
        results.append(deploy_bpmn(xml=path.read_text(encoding="utf-8"), source_name=path.name, actor=actor))
    return results
