"""精确推送: match a registration's business scope (经营范围) against the 后置审批事项目录 and
find the approval departments to push it to, keeping the explanation for officers.

Matching is Aho-Corasick over every catalogue keyword at once, so its cost does not grow with
the catalogue.  Text inside exclusion clauses such as "（不含危险化学品）" never matches.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from casework.organization.divisions import chain_up
from casework.organization.models import Department
from processes.operation import memoised

from .models import ApprovalItem

# Inside brackets, the text from 不含/不包括/除/不得/不从事 to the closing bracket is an exclusion:
# "（不含危险化学品）" excludes everything, "（餐饮服务，不含凉菜）" keeps 餐饮服务.
EXCLUSION = re.compile(r"(?:不含|不包括|除|不得|不从事)[^（）()]*(?=[）)])")


def normalize(text: str) -> str:
    """Full-width → half-width, upper case: ＫＴＶ, ktv and KTV are one keyword."""
    return "".join(
        chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else " " if c == "\u3000" else c for c in text
    ).upper()


@dataclass(frozen=True)
class KeywordHit:
    keyword: str
    position: int  # 0-based character offset in the business scope
    item_code: str
    item_name: str
    sector_code: str


@dataclass(frozen=True)
class Target:
    department_code: str
    department_name: str
    sector_code: str
    item_codes: tuple[str, ...]
    escalated_level: bool  # True when the registrar's own area has no department of that sector


@dataclass(frozen=True)
class Routing:
    hits: tuple[KeywordHit, ...]
    targets: tuple[Target, ...]
    unrouted_sectors: tuple[str, ...]  # matched, but no department of that sector anywhere above

    @property
    def matched(self) -> bool:
        return bool(self.targets)

    def explanation(self) -> dict:
        """JSON-safe record of why the case went where it went (kept on the case)."""
        return {
            "hits": [
                {
                    "keyword": h.keyword,
                    "position": h.position,
                    "item": h.item_code,
                    "item_name": h.item_name,
                    "sector": h.sector_code,
                }
                for h in self.hits
            ],
            "targets": [
                {
                    "department": t.department_code,
                    "department_name": t.department_name,
                    "sector": t.sector_code,
                    "items": list(t.item_codes),
                    "from_higher_level": t.escalated_level,
                }
                for t in self.targets
            ],
            "unrouted_sectors": list(self.unrouted_sectors),
        }


class CatalogueMatcher:
    """An automaton over (keyword → approval items) built from catalogue rows."""

    def __init__(self, items: Iterable[tuple[str, str, str, list[str]]]):
        table: dict[str, list[tuple[str, str, str]]] = {}
        for code, name, sector, keywords in items:
            for word in keywords:
                table.setdefault(normalize(word), []).append((code, name, sector))
        self.keyword_count = len(table)
        self._automaton = ahocorasick.Automaton()
        for word, owners in table.items():
            self._automaton.add_word(word, (word, tuple(owners)))
        if table:
            self._automaton.make_automaton()

    def match(self, business_scope: str) -> list[KeywordHit]:
        if not self.keyword_count or not business_scope:
            return []
        text = EXCLUSION.sub(lambda m: " " * len(m.group(0)), normalize(business_scope))
        hits: list[KeywordHit] = []
        seen: set[tuple[str, str]] = set()
        for end, (word, owners) in self._automaton.iter(text):
            for code, name, sector in owners:
                if (word, code) in seen:
                    continue
                seen.add((word, code))
                hits.append(KeywordHit(word, end - len(word) + 1, code, name, sector))
        return sorted(hits, key=lambda h: (h.position, h.item_code))


_cache_lock = threading.Lock()
_cache: dict[str, object] = {"stamp": None, "checked": 0.0, "matcher": None}
RECHECK_SECONDS = 30.0


def current_matcher() -> CatalogueMatcher:
    """The matcher for the active catalogue; rebuilt when the catalogue changes (checked every 30 s)."""
    now = time.monotonic()
    matcher = _cache["matcher"]
    if matcher is not None and now - float(_cache["checked"]) < RECHECK_SECONDS:  # type: ignore[arg-type]
        return matcher  # type: ignore[return-value]
    with _cache_lock:
        active = ApprovalItem.objects.filter(is_active=True)
        stamp = active.aggregate(n=Count("pk"), last=Max("updated_at"))
        if matcher is None or stamp != _cache["stamp"]:
            rows = active.select_related("sector").order_by("code")
            matcher = CatalogueMatcher((i.code, i.name, i.sector.code, i.keyword_list) for i in rows)
            _cache["matcher"], _cache["stamp"] = matcher, stamp
        _cache["checked"] = now
        return matcher  # type: ignore[return-value]


@receiver(post_save, sender=ApprovalItem)
@receiver(post_delete, sender=ApprovalItem)
def forget_matcher(*args, **kwargs) -> None:
    """Edited catalogue: rebuild on next use (other processes notice within RECHECK_SECONDS)."""
    _cache.update(stamp=None, checked=0.0, matcher=None)


def _approval_departments(chain: tuple[str, ...]) -> list[Department]:
    """The approval and industry departments of an area chain (once per batch of registrations)."""
    return memoised(
        ("approval-departments", chain),
        lambda: list(
            Department.objects.approving()
            .filter(division_code__in=chain, sector__isnull=False)
            .select_related("sector")
        ),
    )


def route_business_scope(*, business_scope: str, division_code: str) -> Routing:
    """Which approval departments a registration in ``division_code`` is pushed to, and why.

    For each matched sector the department of that sector in the registration's own area is
    chosen; an area without one (a county with no 烟草 office, say) hands it to the nearest
    level above.
    """
    hits = current_matcher().match(business_scope)
    items_by_sector: dict[str, list[str]] = {}
    for hit in hits:
        codes = items_by_sector.setdefault(hit.sector_code, [])
        if hit.item_code not in codes:
            codes.append(hit.item_code)
    chain = chain_up(division_code)
    by_sector: dict[str, list[Department]] = {}
    if items_by_sector:
        for department in _approval_departments(tuple(chain)):
            assert department.sector is not None
            if department.sector.code in items_by_sector:
                by_sector.setdefault(department.sector.code, []).append(department)
    targets, unrouted = [], []
    for sector, item_codes in items_by_sector.items():
        options = sorted(by_sector.get(sector, []), key=lambda d: (chain.index(d.division_code), d.code))
        if not options:
            unrouted.append(sector)
            continue
        best = options[0]
        targets.append(
            Target(
                best.code,
                best.name,
                sector,
                tuple(item_codes),
                escalated_level=best.division_code != chain[0],
            )
        )
    return Routing(tuple(hits), tuple(targets), tuple(unrouted))
