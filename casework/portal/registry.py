"""What the public portal shows comes from the lifecycles, registered here at start-up.

The portal (``casework.portal``) knows enterprises (the directory) and nothing of any lifecycle.
A lifecycle that publishes records, or that deals with objections, registers from its
``steps`` module:

``register_public_records(provider)``
    ``provider(enterprise_credit_code: str) -> list[PublicRecord]``: the records of that
    enterprise which are **published now** (not pending, not withdrawn, not archived, never
    confidential), with every value **already masked** (ID numbers, phone numbers, natural
    persons' addresses, bank accounts). The portal prints what it gets and masks nothing itself.
    The code passed is normalised (18 characters, upper case). Return ``[]`` for an enterprise
    the lifecycle knows nothing of. ``record_id`` must be stable and unique across providers:
    prefix it with your own namespace (``"collected:123"``); an objection stores it.

``register_public_search(fn)``
    ``fn(query: str, limit: int) -> list[tuple[credit_code, name]]``: enterprises that have
    published records matching ``query`` (a name fragment of 2+ characters, or a normalised
    18-character credit code, for which return the exact match only), at most ``limit`` of
    them. Used for enterprises missing from the directory (registered elsewhere); results
    already in the directory are shown from the directory.

``register_objection_handler(fn)``
    ``fn(objection: casework.portal.models.Objection) -> None``, called after an objection
    is saved and audited, each handler in its own transaction. A handler that raises is
    logged and audited (``objection_handler_failed``); the objection stays saved.

``register_public_pages(label, url_name, patterns)``
    Public pages of a lifecycle's own (no login), e.g. 双随机抽查公示: ``patterns`` are mounted
    under ``/gs/`` in the ``portal:`` namespace, and the portal's header links ``label`` to
    ``portal:<url_name>``. The pages must show only what may be published.

Every ``register_*`` returns its argument (usable as a decorator) and ignores a second
registration of the same function; ``unregister_*`` and the ``registrations()`` context
manager undo them (tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "Gathered",
    "ObjectionHandler",
    "PublicRecord",
    "PublicSection",
    "RecordProvider",
    "SearchFunction",
    "objection_handlers",
    "public_records",
    "public_search",
    "public_sections",
    "public_urlpatterns",
    "register_public_pages",
    "register_objection_handler",
    "register_public_records",
    "register_public_search",
    "registrations",
    "unregister_objection_handler",
    "unregister_public_records",
    "unregister_public_search",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicRecord:
    """One published record as the public sees it; every value already masked by its provider."""

    record_id: str  # stable, unique across providers ("collected:123")
    category: str  # 信息类别, e.g. 行政许可信息
    title: str  # e.g. 食品经营许可证
    document_number: str  # 文书编号 (许可证号, 处罚决定书文号 …); "" when the record has none
    department: str  # the providing department's name (never its code)
    published_on: date  # 公示日期
    fields: tuple[tuple[str, str], ...] = field(default=())  # (label, masked value), in display order
    objectable: bool = True  # whether the public may file an 异议 on it

    def __post_init__(self) -> None:
        if not self.record_id or not self.category:
            raise ValueError("PublicRecord needs a record_id and a category")
        # Providers may pass a list of pairs; keep an immutable tuple of strings.
        object.__setattr__(self, "fields", tuple((str(label), str(value)) for label, value in self.fields))


@dataclass(frozen=True)
class PublicSection:
    """A lifecycle's public page linked from the portal's header."""

    label: str
    url_name: str  # in the ``portal:`` namespace


RecordProvider = Callable[[str], Iterable[PublicRecord]]
SearchFunction = Callable[[str, int], Iterable[tuple[str, str]]]
ObjectionHandler = Callable[[Any], None]

_providers: list[RecordProvider] = []
_searches: list[SearchFunction] = []
_handlers: list[ObjectionHandler] = []
_sections: list[PublicSection] = []
_public_urls: list[Any] = []


def _add(target: list, fn):
    if fn not in target:
        target.append(fn)
    return fn


def _remove(target: list, fn) -> None:
    if fn in target:
        target.remove(fn)


def register_public_records(provider: RecordProvider) -> RecordProvider:
    return _add(_providers, provider)


def unregister_public_records(provider: RecordProvider) -> None:
    _remove(_providers, provider)


def register_public_search(fn: SearchFunction) -> SearchFunction:
    return _add(_searches, fn)


def unregister_public_search(fn: SearchFunction) -> None:
    _remove(_searches, fn)


def register_objection_handler(fn: ObjectionHandler) -> ObjectionHandler:
    return _add(_handlers, fn)


def unregister_objection_handler(fn: ObjectionHandler) -> None:
    _remove(_handlers, fn)


def register_public_pages(label: str, url_name: str, patterns: Iterable[Any]) -> PublicSection:
    """Mount ``patterns`` under ``/gs/`` (read when the URLs load) and link ``label`` in the header."""
    section = PublicSection(label, url_name)
    if section not in _sections:
        _sections.append(section)
    for pattern in patterns:
        if pattern not in _public_urls:
            _public_urls.append(pattern)
    return section


def public_sections() -> list[PublicSection]:
    return list(_sections)


def public_urlpatterns() -> list[Any]:
    return list(_public_urls)


@contextmanager
def registrations(
    *,
    records: Iterable[RecordProvider] = (),
    search: Iterable[SearchFunction] = (),
    objection_handlers: Iterable[ObjectionHandler] = (),
) -> Iterator[None]:
    """Register for the duration of the block only (what was registered before stays)."""
    added: list[tuple[list, Any]] = []
    pairs: tuple[tuple[list[Any], Iterable[Any]], ...] = (
        (_providers, records),
        (_searches, search),
        (_handlers, objection_handlers),
    )
    for target, fns in pairs:
        for fn in fns:
            if fn not in target:
                target.append(fn)
                added.append((target, fn))
    try:
        yield
    finally:
        for target, fn in added:
            _remove(target, fn)


# --- what the portal reads ------------------------------------------------------------------


@dataclass
class Gathered:
    records: list[PublicRecord]
    failed: int = 0  # providers that raised (logged); the page says some information is missing


def public_records(credit_code: str) -> Gathered:
    """Every provider's records of the enterprise; one that raises is logged and skipped."""
    gathered = Gathered(records=[])
    seen: set[str] = set()
    for provider in list(_providers):
        try:
            records = list(provider(credit_code))
        except Exception:
            log.exception("Public record provider %r failed for %s", provider, credit_code)
            gathered.failed += 1
            continue
        for record in records:
            if isinstance(record, PublicRecord) and record.record_id not in seen:
                seen.add(record.record_id)
                gathered.records.append(record)
    return gathered


def public_search(query: str, limit: int) -> list[tuple[str, str]]:
    """(credit_code, name) from every search function, first answer per code kept, at most ``limit``."""
    found: dict[str, str] = {}
    for fn in list(_searches):
        try:
            pairs = list(fn(query, limit))
        except Exception:
            log.exception("Public search function %r failed", fn)
            continue
        for code, name in pairs:
            found.setdefault(str(code).strip().upper(), str(name))
            if len(found) >= limit:
                return list(found.items())
    return list(found.items())


def objection_handlers() -> list[ObjectionHandler]:
    return list(_handlers)
