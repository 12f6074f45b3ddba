"""The 双随机 draw: targets at random from a population snapshot, inspectors at random from the
directory, recusal with logged replacement. A pure function of its inputs, so anyone holding the
published inputs can re-run it and get the identical result.

Algorithm ``xtjg-draw/1`` (what an outsider needs to re-implement it):

**Random stream.** Block *i* (i = 0, 1, …) is SHA-256(seed ‖ i as 8 bytes big-endian); each block
gives four 64-bit big-endian integers, used in order. ``below(n)`` takes the next integer *x*
and returns *x mod n* if *x* < 2^64 − (2^64 mod n), otherwise it takes the next one (rejection
sampling: every result equally likely).

**Population.** Rows ``(credit code, risk class)`` sorted by credit code; its hash is SHA-256 of
the rows as ``code,risk\\n`` lines, UTF-8.

**Targets.** ``count`` mode draws *count* rows from the whole population; ``ratio`` mode draws,
for each risk class in the order A, B, C, D, ⌈ratio × rows of that class⌉ rows from the rows of
that class (in population order). Drawing *k* of *n*: partial Fisher–Yates — for *i* = 0 … k−1,
*j* = *i* + below(*n* − *i*), swap positions *i* and *j*; the first *k* positions in order.

**Teams.** Inspectors are taken in target order. A team is one inspector from each
participating department (in the order given), then more from any of them until it has
``per_target`` members. For a place, the candidates are the eligible inspectors of its
department(s) not yet in the team; among those with the fewest assignments so far in this draw,
one is picked with below(number of them), in inspector-id order. A picked inspector who must
recuse (a declared conflict with the enterprise, or the same enterprise in one of the recent
draws) is logged with the reason and the place is drawn again without them (递补). A place with
no candidate left stops the draw with an error naming the department.

**Result hash.** SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of
``{"targets": [[code, risk], …], "teams": [[inspector id, …], …], "replacements": [[target
index, inspector id, reason], …]}``.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ALGORITHM = "xtjg-draw/1"
RISK_CLASSES = ("A", "B", "C", "D")
_TOP = 1 << 64

RECUSAL_CONFLICT = "conflict"  # declared conflict of interest (行政处罚法 第四十三条)
RECUSAL_RECENT = "recent"  # the same enterprise in one of the recent draws
RECUSAL_LABELS = {RECUSAL_CONFLICT: "申报利害关系回避", RECUSAL_RECENT: "近期抽查过该主体回避"}


class DrawError(ValueError):
    """The inputs cannot give a draw (e.g. too few eligible inspectors); ``department`` names where."""

    def __init__(self, message: str, *, department: str = "", target: str = "") -> None:
        super().__init__(message)
        self.department = department
        self.target = target


class Stream:
    """The ``xtjg-draw/1`` random stream of a seed."""

    def __init__(self, seed: bytes) -> None:
        self._seed = bytes(seed)
        self._block = 0
        self._words: list[int] = []

    def _next(self) -> int:
        if not self._words:
            digest = hashlib.sha256(self._seed + self._block.to_bytes(8, "big")).digest()
            self._block += 1
            self._words = [int.from_bytes(digest[i : i + 8], "big") for i in (24, 16, 8, 0)]
        return self._words.pop()

    def below(self, n: int) -> int:
        if n <= 0:
            raise ValueError("n must be positive")
        limit = _TOP - (_TOP % n)
        while True:
            x = self._next()
            if x < limit:
                return x % n


def sample(stream: Stream, n: int, k: int) -> list[int]:
    """``k`` distinct positions of ``range(n)`` in draw order (partial Fisher–Yates, sparse)."""
    if k > n:
        raise DrawError(f"抽取数量 {k} 超过可抽取的对象数 {n}")
    moved: dict[int, int] = {}
    picked = []
    for i in range(k):
        j = i + stream.below(n - i)
        at_j = moved.get(j, j)
        moved[j] = moved.get(i, i)
        picked.append(at_j)
    return picked


def population_hash(rows: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for code, risk in rows:
        digest.update(f"{code},{risk}\n".encode())
    return digest.hexdigest()


class Lines(Sequence[tuple[str, str]]):
    """A population held as its snapshot's ``code,risk`` lines (a million tuples cost more to
    build than the whole draw): row *i* is ``(code, risk)`` of line *i*."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [tuple(line.split(",", 1)) for line in self.lines[index]]
        code, risk = self.lines[index].split(",", 1)
        return code, risk

    def __iter__(self):
        for line in self.lines:
            code, risk = line.split(",", 1)
            yield code, risk

    def content(self) -> bytes:
        """The snapshot file's text: every line and its newline, UTF-8."""
        return ("\n".join(self.lines) + "\n").encode() if self.lines else b""


@dataclass(frozen=True)
class Inspector:
    id: int
    department: str


@dataclass(frozen=True)
class Parameters:
    """What a draw is asked: ``count`` or per-class ``ratios`` (decimal strings), team make-up."""

    departments: tuple[str, ...]
    per_target: int = 2
    count: int | None = None
    ratios: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "departments": list(self.departments),
            "per_target": self.per_target,
            "count": self.count,
            "ratios": dict(sorted(self.ratios.items())),
        }

    @classmethod
    def from_json(cls, data: dict) -> Parameters:
        return cls(
            departments=tuple(data["departments"]),
            per_target=int(data["per_target"]),
            count=data.get("count"),
            ratios=dict(data.get("ratios") or {}),
        )


@dataclass
class Result:
    targets: list[tuple[str, str]]
    teams: list[list[int]]
    replacements: list[tuple[int, int, str]]

    def as_json(self) -> dict:
        return {
            "targets": [list(t) for t in self.targets],
            "teams": self.teams,
            "replacements": [list(r) for r in self.replacements],
        }

    @property
    def hash(self) -> str:
        canonical = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _strata(population: Sequence[tuple[str, str]]) -> dict[str, list[int]]:
    """Positions of each risk class's rows, in population order (one pass)."""
    strata: dict[str, list[int]] = {risk: [] for risk in RISK_CLASSES}
    for i, (_, risk) in enumerate(population):
        strata.setdefault(risk, []).append(i)
    return strata


def wanted_per_class(sizes: dict[str, int], ratios: dict[str, str]) -> dict[str, int]:
    """How many targets each risk class gives in ``ratio`` mode: ⌈ratio × class size⌉."""
    wanted = {}
    for risk in RISK_CLASSES:
        ratio = Decimal(ratios.get(risk, "0"))
        if not Decimal(0) <= ratio <= Decimal(1):
            raise DrawError(f"{risk} 类抽查比例应在 0 到 1 之间")
        wanted[risk] = math.ceil(ratio * sizes.get(risk, 0))
    return wanted


def draw_targets(stream: Stream, population: Sequence[tuple[str, str]], parameters: Parameters) -> list[int]:
    """Positions in ``population`` of the drawn targets, in draw order."""
    if parameters.count is not None:
        return sample(stream, len(population), parameters.count)
    strata = _strata(population)
    wanted = wanted_per_class({risk: len(rows) for risk, rows in strata.items()}, parameters.ratios)
    picked: list[int] = []
    for risk in RISK_CLASSES:
        if wanted[risk]:
            positions = strata[risk]
            picked.extend(positions[i] for i in sample(stream, len(positions), wanted[risk]))
    return picked


class _Loads:
    """Inspectors of one pool by their number of assignments so far, each level in id order."""

    def __init__(self, members: list[Inspector]) -> None:
        self.levels: dict[int, list[int]] = {0: sorted(i.id for i in members)} if members else {}

    def move_up(self, inspector_id: int, load: int) -> None:
        level = self.levels[load]
        level.pop(bisect.bisect_left(level, inspector_id))
        if not level:
            del self.levels[load]
        bisect.insort(self.levels.setdefault(load + 1, []), inspector_id)

    def least_loaded(self, excluded: set[int]) -> list[int]:
        for load in sorted(self.levels):
            found = [i for i in self.levels[load] if i not in excluded]
            if found:
                return found
        return []


def draw_teams(
    stream: Stream,
    targets: Sequence[tuple[str, str]],
    inspectors: Sequence[Inspector],
    parameters: Parameters,
    *,
    conflicts: dict[int, set[str]],
    recent: dict[int, set[str]],
) -> tuple[list[list[int]], list[tuple[int, int, str]]]:
    if parameters.per_target < 2:
        raise DrawError("每个检查对象至少需要 2 名执法检查人员（行政处罚法 第四十二条）")
    members = {d: [i for i in inspectors if i.department == d] for d in parameters.departments}
    pools = {d: _Loads(members[d]) for d in parameters.departments}
    pools[""] = _Loads([i for d in parameters.departments for i in members[d]])
    department_of = {i.id: i.department for d in parameters.departments for i in members[d]}
    load = dict.fromkeys(department_of, 0)
    teams: list[list[int]] = []
    replacements: list[tuple[int, int, str]] = []
    places = list(parameters.departments) + [""] * max(0, parameters.per_target - len(parameters.departments))
    for index, (code, _) in enumerate(targets):
        team: list[int] = []
        for place in places:
            excluded = set(team)
            while True:
                least = pools[place].least_loaded(excluded)
                if not least:
                    raise DrawError(
                        f"“{place or '参与部门'}”可用的执法检查人员不足，无法为 {code} 组成检查组",
                        department=place,
                        target=code,
                    )
                chosen = least[stream.below(len(least))]
                reason = (
                    RECUSAL_CONFLICT
                    if code in conflicts.get(chosen, ())
                    else RECUSAL_RECENT
                    if code in recent.get(chosen, ())
                    else ""
                )
                if not reason:
                    break
                replacements.append((index, chosen, reason))
                excluded.add(chosen)
            team.append(chosen)
            pools[department_of[chosen]].move_up(chosen, load[chosen])
            pools[""].move_up(chosen, load[chosen])
            load[chosen] += 1
        teams.append(team)
    return teams, replacements


def run(
    *,
    seed: bytes,
    population: Sequence[tuple[str, str]],
    inspectors: Sequence[Inspector],
    parameters: Parameters,
    conflicts: dict[int, set[str]] | None = None,
    recent: dict[int, set[str]] | None = None,
) -> Result:
    """The whole draw. ``population`` must be sorted by credit code (the snapshot's order)."""
    stream = Stream(seed)
    positions = draw_targets(stream, population, parameters)
    targets = [population[i] for i in positions]
    teams, replacements = draw_teams(
        stream, targets, inspectors, parameters, conflicts=conflicts or {}, recent=recent or {}
    )
    return Result(targets=targets, teams=teams, replacements=replacements)
