"""Writing audit rows: called by the engine and domain services inside their transaction.

Inside ``buffered()`` (each engine operation runs in one) rows are collected and written
with one INSERT just before the operation's transaction commits; ``mark()`` and
``discard_since()`` drop the rows of a step that was rolled back to its savepoint.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .models import AuditEvent

_local = threading.local()


def record(action: str, *, actor=None, instance=None, human_task=None, **payload) -> AuditEvent:
    """Append one audit row; ``payload`` must be JSON-serialisable."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(action=action, actor=actor, instance=instance, human_task=human_task, payload=payload)
    pending = getattr(_local, "rows", None)
    if pending is None:
        event.save()
    else:
        pending.append(event)
    return event


@contextmanager
def buffered() -> Iterator[None]:
    """Collect the rows recorded inside and write them together on a clean exit.

    Use it inside the transaction (``with transaction.atomic(), buffered():``) so the rows
    are written before the commit; nested uses join the outermost one.
    """
    if getattr(_local, "rows", None) is not None:
        yield
        return
    _local.rows = []
    try:
        yield
        rows, _local.rows = _local.rows, None
        if rows:
            AuditEvent.objects.bulk_create(rows)
    finally:
        _local.rows = None


def mark() -> int:
    pending = getattr(_local, "rows", None)
    return len(pending) if pending is not None else 0


def discard_since(position: int) -> None:
    """Forget rows recorded after ``mark()`` returned ``position`` (their savepoint rolled back)."""
    pending = getattr(_local, "rows", None)
    if pending is not None:
        del pending[position:]
