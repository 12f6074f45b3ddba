"""Writing audit rows: called by the engine and domain services inside their transaction."""

from __future__ import annotations

from .models import AuditEvent


def record(action: str, *, actor=None, instance=None, human_task=None, **payload) -> AuditEvent:
    """Append one audit row; ``payload`` must be JSON-serialisable."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action, actor=actor, instance=instance, human_task=human_task, payload=payload
    )
