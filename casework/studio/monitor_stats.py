"""The figures of a process's monitor page: cases by state (per version), tokens per element,
time per human task (average and p90, as a heatmap on the diagram) and overdue rate per
department.  The database aggregates where it can; p90 is computed here over a bounded list."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casework.workbench import names
from processes.models import ProcessDefinition, ProcessInstance, ProcessVersion

from . import monitor_selectors as selectors

Status = ProcessInstance.Status


def percentile(values: Iterable[float], q: float = 0.9) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``q`` of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def format_duration(seconds: float | None) -> str:
    """A duration as people say it: 45 分钟, 3.5 小时, 2.1 天 (calendar time)."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} 分钟"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def heat_color(ratio: float) -> str:
    """Green (quick) through amber to red (slow) for 0..1."""
    ratio = min(1.0, max(0.0, ratio))
    hue = round(120 * (1 - ratio))
    return f"hsl({hue}, 75%, 42%)"


@dataclass
class TaskTime:
    element: str
    name: str
    count: int
    average: float  # seconds
    p90: float | None
    color: str = ""

    @property
    def average_label(self) -> str:
        return format_duration(self.average)

    @property
    def p90_label(self) -> str:
        return format_duration(self.p90)


def task_times(
    definition: ProcessDefinition, version: ProcessVersion | None = None
) -> tuple[list[TaskTime], bool]:
    """Per human task element: completed tasks, average and p90 time from creation to completion
    (of the cases on ``version`` when given); and whether the p90 figures are read from the most
    recent completions only."""
    averages = selectors.completed_task_averages(definition, version)
    p90s: dict[str, float | None] = {}
    if (by_database := selectors.recent_p90(definition, version)) is not None:
        read = by_database[1]
        p90s = {element: value.total_seconds() for element, value in by_database[0].items()}
    else:
        rows = selectors.completed_task_durations(definition, version)
        read = len(rows)
        durations: dict[str, list[float]] = {}
        for element, created, completed in rows:
            if completed is None:
                continue
            durations.setdefault(element, []).append((completed - created).total_seconds())
        p90s = {element: percentile(values) for element, values in durations.items()}
    sampled = read >= selectors.DURATION_SAMPLE
    element_names = selectors.element_names(definition, version, averages)
    times = [
        TaskTime(
            element=element,
            name=element_names.get(element, element),
            count=count,
            average=_seconds(average),
            p90=p90s.get(element),
        )
        for element, (average, count) in averages.items()
    ]
    slowest = max((t.average for t in times), default=0.0)
    for t in times:
        t.color = heat_color(t.average / slowest if slowest else 0.0)
    times.sort(key=lambda t: -t.average)
    return times, sampled


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 0) / 1_000_000  # a backend that averages durations as microseconds


def overdue_rates(definition: ProcessDefinition, *, now: datetime) -> list[dict[str, Any]]:
    """Per department (by name): tasks with a due time, late ones, the rate (0..1)."""
    rates = [
        {
            "department": row["candidate_department"],
            "name": names.department_name(row["candidate_department"]),
            "total": row["total"],
            "overdue": row["overdue"],
            "rate": row["overdue"] / row["total"] if row["total"] else 0.0,
        }
        for row in selectors.overdue_by_department(definition, now=now)
    ]
    for rate in rates:
        rate["percent"] = f"{rate['rate'] * 100:.1f}"
    rates.sort(key=lambda r: (-r["rate"], r["name"]))
    return rates


def state_table(definition: ProcessDefinition) -> dict[str, Any]:
    """Cases by state: one row per version (newest first) and the totals."""
    by_version = selectors.counts_by_version(definition)
    versions = selectors.process_versions(definition)
    rows: list[dict[str, Any]] = []
    totals = [0] * len(Status.values)
    for version in versions:
        counts = by_version.get(version.version, dict.fromkeys(Status.values, 0))
        row = [counts[s] for s in Status.values]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        rows.append({"version": version, "counts": row, "total": sum(row)})
    return {
        "labels": [label for _, label in Status.choices],
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
    }


def tokens(definition: ProcessDefinition, version: ProcessVersion | None = None) -> dict[str, Any]:
    """Cases per element where they stand now (of ``version`` when given, else of every version):
    cases with an open human task there (all, from the projection; a step open for several
    departments counts its case once) plus other waiting steps read from the workflows of the
    most recently updated unfinished cases."""
    human = selectors.open_tasks_per_element(definition, version)
    other, read, total = selectors.other_waiting_elements(definition, version)
    counts = dict(other)
    counts.update(human)  # a user task's count is the projection's, exact
    element_names = selectors.element_names(definition, version, counts)
    rows = sorted(
        ({"element": e, "name": element_names.get(e, ""), "count": n} for e, n in counts.items()),
        key=lambda r: (-r["count"], r["element"]),
    )
    return {"counts": counts, "rows": rows, "sampled": read < total, "read": read, "total": total}
