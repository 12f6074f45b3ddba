"""Reads of the public portal: the enterprise search and an enterprise's page.

The directory part of a search uses indexed lookups only: the credit code and the 15-digit
注册号 are exact matches on unique/indexed columns; a name is ``icontains`` (SQLite's LIKE; on
PostgreSQL ``UPPER(name) LIKE``, served by the trigram index the portal migration creates
when the pg_trgm extension can be had). A two-character fragment — most 字号 are two
characters — holds no trigram, so on PostgreSQL it is looked up in the bigram index instead
(``casework_bigrams(UPPER(name)) @> ARRAY[fragment]``, exact for two characters).

A broad fragment ("有限", "商贸") matches hundreds of thousands of names: nobody reads past the
first pages, and counting or sorting them all costs more than the page. The results are the first
``RESULT_CAP`` matches, sorted by name, and the page says "超过 1000 户".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import overload

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from casework.directory.credit_code import CHARSET, CREDIT_CODE_LENGTH, REGISTRATION_NUMBER_LENGTH, normalize
from casework.directory.models import Enterprise

from . import registry

MIN_NAME_LENGTH = 2
MAX_QUERY_LENGTH = 100
#: How many enterprises each registered search function may add to the directory's results.
EXTRA_LIMIT = 200
#: Matches counted and paged at most; a broader search says "超过 1000 户".
RESULT_CAP = 1000
#: How long a search's ranked matches are kept for its next pages.
RANKING_SECONDS = 120

_CODE_CHARS = frozenset(CHARSET)
_SPACES = re.compile(r"\s+")


class QueryKind(Enum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    PARTIAL_CODE = "partial_code"  # digits and letters only, yet neither 15 nor 18 long
    TOO_LONG = "too_long"
    CREDIT_CODE = "credit_code"
    REGISTRATION_NUMBER = "registration_number"
    NAME = "name"


@dataclass(frozen=True)
class Query:
    kind: QueryKind
    text: str  # normalised: half-width, upper case, single spaces

    @property
    def searchable(self) -> bool:
        return self.kind in (QueryKind.CREDIT_CODE, QueryKind.REGISTRATION_NUMBER, QueryKind.NAME)


def parse_query(raw: str) -> Query:
    text = _SPACES.sub(" ", normalize(raw or ""))
    if not text:
        return Query(QueryKind.EMPTY, "")
    if len(text) > MAX_QUERY_LENGTH:
        return Query(QueryKind.TOO_LONG, text[:MAX_QUERY_LENGTH])
    if len(text) == CREDIT_CODE_LENGTH and all(ch in _CODE_CHARS for ch in text):
        return Query(QueryKind.CREDIT_CODE, text)
    if len(text) == REGISTRATION_NUMBER_LENGTH and text.isascii() and text.isdigit():
        return Query(QueryKind.REGISTRATION_NUMBER, text)
    if len(text) >= 6 and text.isascii() and text.isalnum() and any(ch.isdigit() for ch in text):
        return Query(QueryKind.PARTIAL_CODE, text)
    if len(text) < MIN_NAME_LENGTH:
        return Query(QueryKind.TOO_SHORT, text)
    return Query(QueryKind.NAME, text)


@dataclass(frozen=True)
class Hit:
    """One enterprise in the results: from the directory, or only known by its public records."""

    credit_code: str
    name: str
    status: str = ""  # 存续 / 注销 / 吊销 ("" when not in the directory)
    kind: str = ""
    active: bool = True

    @classmethod
    def of(cls, enterprise: Enterprise) -> Hit:
        return cls(
            credit_code=enterprise.credit_code,
            name=enterprise.name,
            status=enterprise.get_status_display(),
            kind=enterprise.get_kind_display(),
            active=enterprise.status == Enterprise.Status.ACTIVE,
        )


_HIT_FIELDS = ("pk", "credit_code", "name", "status", "kind")


def _directory_matches(query: Query) -> QuerySet[Enterprise]:
    enterprises = Enterprise.objects.all()
    if query.kind == QueryKind.CREDIT_CODE:
        return enterprises.filter(credit_code=query.text)
    if query.kind == QueryKind.REGISTRATION_NUMBER:
        return enterprises.filter(registration_number=query.text)
    return _name_matches(enterprises, query.text)


def _name_matches(enterprises: QuerySet[Enterprise], text: str) -> QuerySet[Enterprise]:
    if len(text) == 2 and connection.vendor == "postgresql":
        # The bigram index's expression, word for word (the migration creates both); the LIKE
        # beside it is what a row is checked by when the plan walks an index instead: PostgreSQL
        # evaluates the cheaper condition first, so the bigram function runs on matches only.
        table = connection.ops.quote_name(Enterprise._meta.db_table)
        contains = RawSQL(
            f'casework_bigrams(UPPER({table}."name"::text)) @> ARRAY[%s]::text[]',
            [text],
            output_field=BooleanField(),
        )
        return enterprises.filter(contains, name__icontains=text)
    return enterprises.filter(name__icontains=text)


@dataclass
class Results:
    """The directory's matches followed by the extras.

    The directory part is at most ``RESULT_CAP`` matches (one query fetching ids and names),
    shown by name; a capped set is kept ``RANKING_SECONDS`` so that the next pages page through
    the same ones. The paginator's page fetches its 20 rows by id.
    """

    directory: QuerySet[Enterprise]
    extras: list[Hit] = field(default_factory=list)
    key: str = ""  # the normalised query, naming the kept ranking ("" = not kept)
    _ranked: list[int] | None = None
    _more: bool = False

    def count(self) -> int:  # what Paginator asks
        return len(self._directory_ids()) + len(self.extras)

    @property
    def capped(self) -> bool:
        """More than ``RESULT_CAP`` directory matches: only the first ones are counted and paged."""
        self._directory_ids()
        return self._more

    def _directory_ids(self) -> list[int]:
        if self._ranked is None:
            key = f"portal:search:{hashlib.sha256(self.key.encode()).hexdigest()}" if self.key else ""
            kept = cache.get(key) if key else None
            if kept is None:
                # No ORDER BY: the scan stops at the cap instead of sorting every match of a
                # broad fragment. Which 1,000 those are is then the plan's choice, so a capped
                # set is kept for the next pages (all matches are the same set every time).
                first = list(self.directory.order_by().values_list("pk", "name")[: RESULT_CAP + 1])
                ranked = [pk for pk, _ in sorted(first[:RESULT_CAP], key=lambda row: (row[1], row[0]))]
                kept = (ranked, len(first) > RESULT_CAP)
                if key and kept[1]:
                    cache.set(key, kept, RANKING_SECONDS)
            self._ranked, self._more = kept
        return self._ranked

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Hit]:
        return iter(self[0 : len(self)])

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(len(self))
        ids = self._directory_ids()
        split = len(ids)
        hits: list[Hit] = []
        if start < split:
            page = ids[start:stop]
            rows = Enterprise.objects.only(*_HIT_FIELDS).in_bulk(page)
            hits = [Hit.of(rows[pk]) for pk in page if pk in rows]
        if stop > split:
            hits.extend(self.extras[max(start - split, 0) : stop - split])
        return hits


def search(query: Query) -> Results:
    """The directory's enterprises matching ``query``, then those only registered search
    functions know (de-duplicated by credit code)."""
    if not query.searchable:
        return Results(directory=Enterprise.objects.none())
    directory = _directory_matches(query)
    found = registry.public_search(query.text, EXTRA_LIMIT)
    extras: list[Hit] = []
    if found:
        codes = [code for code, _ in found]
        matched = set(directory.filter(credit_code__in=codes).values_list("credit_code", flat=True))
        known = {
            e.credit_code: e for e in Enterprise.objects.only(*_HIT_FIELDS).filter(credit_code__in=codes)
        }
        for code, name in found:
            if code in matched:
                continue
            extras.append(Hit.of(known[code]) if code in known else Hit(credit_code=code, name=name))
    return Results(directory=directory, extras=extras, key=f"{query.kind.value}:{query.text}")


def enterprise(credit_code: str) -> Enterprise | None:
    return Enterprise.objects.select_related("registration_authority").filter(credit_code=credit_code).first()


def is_credit_code(value: str) -> bool:
    return len(value) == CREDIT_CODE_LENGTH and all(ch in _CODE_CHARS for ch in value)


def outside_name(credit_code: str) -> str:
    """The name a registered search function gives an enterprise the directory lacks ("" if none)."""
    for code, name in registry.public_search(credit_code, 1):
        if code == credit_code:
            return name
    return ""


#: Display order of the categories the portal knows (seed 004); others follow by name.
CATEGORY_ORDER = (
    "行政许可信息",
    "行政处罚信息",
    "抽查检查结果信息",
    "经营异常名录信息",
    "严重违法失信名单信息",
    "动产抵押登记信息",
    "股权出质登记信息",
    "知识产权出质登记信息",
    "商标注册信息",
    "资质资格信息",
    "荣誉信息",
    "欠税信息",
    "欠保欠薪信息",
    "小微企业扶持信息",
    "无证无照经营查处信息",
)


@dataclass
class Category:
    name: str
    records: list[registry.PublicRecord]


def grouped(records: list[registry.PublicRecord]) -> list[Category]:
    """Records by category (known order, then by name), newest first within each."""
    groups: dict[str, list[registry.PublicRecord]] = {}
    for record in records:
        groups.setdefault(record.category, []).append(record)
    rank = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    ordered = sorted(groups, key=lambda name: (rank.get(name, len(rank)), name))
    return [
        Category(
            name,
            sorted(
                groups[name], key=lambda r: (r.published_on, r.document_number, r.record_id), reverse=True
            ),
        )
        for name in ordered
    ]
