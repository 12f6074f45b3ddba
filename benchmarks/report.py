"""The benchmark's table: one row per figure, with its target where the issue sets one."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass


@dataclass
class Row:
    scenario: str
    metric: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def latency_rows(
    scenario: str, name: str, seconds: list[float], target_p95_ms: float | None = None
) -> list[Row]:
    ms = [s * 1000 for s in seconds]
    p95 = percentile(ms, 0.95)
    return [
        Row(scenario, f"{name} median", statistics.median(ms) if ms else float("nan"), "ms"),
        Row(
            scenario,
            f"{name} p95",
            p95,
            "ms",
            f"≤ {target_p95_ms:g} ms" if target_p95_ms is not None else "",
            (p95 <= target_p95_ms) if target_p95_ms is not None else None,
        ),
    ]


def render(rows: list[Row]) -> str:
    header = ("场景 scenario", "指标 metric", "value", "unit", "target", "")
    table = [header]
    for row in rows:
        value = (
            f"{row.value:,.1f}"
            if abs(row.value) < 1e6 and row.value != int(row.value)
            else f"{row.value:,.0f}"
        )
        mark = "" if row.met is None else ("OK" if row.met else "MISSED")
        table.append((row.scenario, row.metric, value, row.unit, row.target, mark))
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for n, r in enumerate(table):
        cells = [_pad(c, widths[i], right=i == 2) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap
