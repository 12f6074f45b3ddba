"""Scenario 3 (and 7): an intake burst — registrations validated, routed and pushed.

The mix: 5 % match no department (公示认领 pool), 55 % one, 30 % two, 10 % three; the area is
广元市 or one of its counties.  Every registration goes through receive_registration, the
function behind the REST endpoint, the form and the Excel import.  Payloads are built inside
the workers, so a worker's peak RSS is its own.
"""

from __future__ import annotations

import random

from casework.models import Registration
from casework.registrations import receive_registration

from .. import world
from ..report import Row, latency_rows
from ..runner import run_parallel

MIX = [(0, 5), (1, 55), (2, 30), (3, 10)]


def _setup(_index: int) -> dict:
    return {"book": world.scope_book()}


def payload(book: world.ScopeBook, i: int, tag: str) -> dict:
    rng = random.Random(i)
    departments = rng.choices([d for d, _ in MIX], weights=[w for _, w in MIX])[0]
    division = rng.choice(world.AREA)
    departments = min(departments, len(book.single[division]))
    scope, _ = book.scope(rng, division, departments)
    return world.registration(i, tag=tag, scope=scope, division=division)


def make_item_fn(tag: str):
    def run_one(context: dict, i: int) -> None:
        _, created = receive_registration(**payload(context["book"], i, tag))
        assert created

    return run_one


def run(*, n: int, workers: int, tag: str = "I") -> list[Row]:
    outcome = run_parallel(list(range(n)), make_item_fn(tag), workers=workers, setup_fn=_setup)
    stored = Registration.objects.filter(event_id__startswith=f"BENCH-{tag}-", instance__isnull=False).count()
    if outcome.errors:
        print(f"[3] {len(outcome.errors)} errors, first:\n{outcome.errors[0]}")
    scenario = "3 登记推送 intake burst"
    rows = [
        Row(scenario, "registrations pushed (checked in DB)", stored, "registrations", f"= {n}", stored == n),
        Row(
            scenario,
            f"wall time, {workers} processes",
            outcome.wall,
            "s",
            "≤ 600 s for 120,000",
            outcome.wall <= 600 if n >= 120_000 else None,
        ),
        Row(
            scenario, "throughput", stored / outcome.wall if outcome.wall else 0.0, "registrations/s", "≥ 200"
        ),
    ]
    rows += latency_rows(scenario, "registration latency", outcome.latencies)
    peak = max(outcome.peak_rss_mb)
    rows.append(
        Row("7 内存 memory", "peak RSS of a worker in scenario 3", peak, "MB", "< 300 MB", peak < 300)
    )
    return rows
