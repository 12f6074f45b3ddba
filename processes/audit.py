"""Writing audit rows: called by the engine and domain services inside their transaction.

Inside an operation's ``processes.operation.buffered()`` the rows join its buffer and are
written with one INSERT just before the transaction commits; outside one each row is saved
at once.
"""

from __future__ import annotations

from .models import AuditEvent
from .operation import defer_insert

__all__ = ["record"]


def record(action: str, *, actor=None, instance=None, human_task=None, **payload) -> AuditEvent:
    """Append one audit row; ``payload`` must be JSON-serialisable."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(action=action, actor=actor, instance=instance, human_task=human_task, payload=payload)
    if not defer_insert(event):
        event.save()
    return event
