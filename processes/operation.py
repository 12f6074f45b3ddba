"""The per-operation buffer and memo: what lives exactly as long as one engine or domain operation.

Inside ``buffered()`` (each engine operation runs in one) rows are collected and written
with one INSERT per table just before the operation's transaction commits; ``mark()`` and
``discard_since()`` drop the rows of a step that was rolled back to its savepoint.  Rows born
with the operation (its audit rows, the notices of a new task) join the buffer with
``defer_insert``, so they are dropped with the step that made them, and ``memo()`` keeps
look-ups that stay true for the whole operation (the active version of a process, the
officers of a department).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "AfterInsert",
    "buffered",
    "defer_insert",
    "discard_since",
    "mark",
    "memo",
    "memo_scope",
    "memoised",
]

_local = threading.local()

AfterInsert = Callable[[list[Any]], None]


def defer_insert(row, after_insert: AfterInsert | None = None) -> bool:
    """Queue an unsaved model instance for the operation's bulk INSERT.

    ``after_insert`` is called once per flush with this kind of row (saved, with their
    keys).  Returns False when no buffer is open: the caller must save the row itself.
    """
    pending = getattr(_local, "rows", None)
    if pending is None:
        return False
    pending.append((row, after_insert))
    return True


def memo() -> dict | None:
    """A dict that lives as long as the outermost ``buffered()`` or ``memo_scope()`` (else None)."""
    return getattr(_local, "memo", None)


def memoised(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per open ``memo()`` for ``key``; every call when none is open."""
    cache = memo()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _flush(rows: list[tuple[Any, AfterInsert | None]]) -> None:
    groups: dict[tuple[Any, AfterInsert | None], list[Any]] = {}
    for row, after in rows:
        groups.setdefault((type(row), after), []).append(row)
    for (model, after), objs in groups.items():
        model._default_manager.bulk_create(objs)
        if after is not None:
            after(objs)


@contextmanager
def buffered() -> Iterator[None]:
    """Collect the rows recorded inside and write them together on a clean exit.

    Use it inside the transaction (``with transaction.atomic(), buffered():``) so the rows
    are written before the commit; nested uses join the outermost one.
    """
    if getattr(_local, "rows", None) is not None:
        yield
        return
    with memo_scope():
        _local.rows = []
        try:
            yield
            rows, _local.rows = _local.rows, None
            if rows:
                _flush(rows)
        finally:
            _local.rows = None


@contextmanager
def memo_scope() -> Iterator[None]:
    """Open a ``memo()`` for a run of operations (a timer sweep); nested uses join the outer one."""
    if getattr(_local, "memo", None) is not None:
        yield
        return
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def mark() -> int:
    """The position in the open buffer (0 if none), for ``discard_since``."""
    pending = getattr(_local, "rows", None)
    return len(pending) if pending is not None else 0


def discard_since(position: int) -> None:
    """Forget rows recorded after ``mark()`` returned ``position`` (their savepoint rolled back)."""
    pending = getattr(_local, "rows", None)
    if pending is not None:
        del pending[position:]
