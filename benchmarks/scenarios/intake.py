"""Scenario 3 (and 7): an intake burst — registrations validated, routed and pushed.

The mix: 5 % match no department (公示认领 pool), 55 % one, 30 % two, 10 % three; the area is
广元市 or one of its counties.  The burst goes through receive_registrations in batches of 100
(what POST /api/v1/registrations/batch and the Excel import call); a smaller run pushes one
registration per call through receive_registration (POST /api/v1/registrations, the form).  Payloads are built inside
the workers, so a worker's peak RSS is its own.
"""

from __future__ import annotations

import random

from casework.lifecycles.registration_push.models import Registration
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration, receive_registrations

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


BATCH = 100  # registrations per call of the batch path (POST /api/v1/registrations/batch)


def make_item_fn(tag: str):
    def run_one(context: dict, i: int) -> None:
        _, created = receive_registration(**payload(context["book"], i, tag), actor=SYSTEM)
        assert created

    return run_one


def make_batch_fn(tag: str, n: int):
    def run_batch(context: dict, start: int) -> None:
        items = [payload(context["book"], i, tag) for i in range(start, min(start + BATCH, n))]
        results = receive_registrations(items, actor=SYSTEM)
        assert all(r.created for r in results), [r.error for r in results if r.error][:1]

    return run_batch


def run(*, n: int, single: int, workers: int, tag: str = "I") -> list[Row]:
    """``n`` registrations through the batch path, ``single`` of them one call each."""
    scenario = "3 登记推送 intake burst"
    rows: list[Row] = []
    outcome = run_parallel(list(range(0, n, BATCH)), make_batch_fn(tag, n), workers=workers, setup_fn=_setup)
    if outcome.errors:
        print(f"[3] {len(outcome.errors)} errors, first:\n{outcome.errors[0]}")
    stored = Registration.objects.filter(event_id__startswith=f"BENCH-{tag}-", instance__isnull=False).count()
    rows += [
        Row(
            scenario,
            "registrations pushed in batches of 100 (checked in DB)",
            stored,
            "registrations",
            f"= {n}",
            stored == n,
        ),
        Row(
            scenario,
            f"batched: wall time, {workers} processes",
            outcome.wall,
            "s",
            "≤ 600 s for 120,000",
            outcome.wall <= 600 if n >= 120_000 else None,
        ),
        Row(
            scenario,
            "batched: throughput",
            stored / outcome.wall if outcome.wall else 0.0,
            "registrations/s",
            "≥ 200",
        ),
    ]
    rows += latency_rows(scenario, f"batched: latency of a batch of {BATCH}", outcome.latencies)
    peak = max(outcome.peak_rss_mb)
    if single:
        one = run_parallel(list(range(single)), make_item_fn(f"{tag}1"), workers=workers, setup_fn=_setup)
        if one.errors:
            print(f"[3] {len(one.errors)} errors (single pushes), first:\n{one.errors[0]}")
        pushed = Registration.objects.filter(
            event_id__startswith=f"BENCH-{tag}1-", instance__isnull=False
        ).count()
        rows += [
            Row(
                scenario,
                "single pushes (checked in DB)",
                pushed,
                "registrations",
                f"= {single}",
                pushed == single,
            ),
            Row(scenario, "single: throughput", pushed / one.wall if one.wall else 0.0, "registrations/s"),
        ]
        rows += latency_rows(scenario, "single: registration latency", one.latencies)
        peak = max(peak, *one.peak_rss_mb)
    rows.append(
        Row("7 内存 memory", "peak RSS of a worker in scenario 3", peak, "MB", "< 300 MB", peak < 300)
    )
    return rows
