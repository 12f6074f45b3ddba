"""Scenario 2(c): the peer — the same 1-department flow on django-viewflow's own engine
(``viewflow.workflow``), in the benchmark-only app ``benchmarks.viewflow_peer``, driven
through its activation API the way its views do."""

from __future__ import annotations

from ..report import Row
from ..runner import run_parallel


def _setup(_index: int) -> dict:
    from ..viewflow_peer import driver

    return driver.prepare()


def _run_case(context: dict, i: int) -> None:
    from ..viewflow_peer import driver

    driver.run_case(context, i)


def run(*, n: int, workers: int) -> tuple[list[Row], float]:
    from ..viewflow_peer import driver

    driver.prepare()
    before = driver.count_done()
    outcome = run_parallel(list(range(n)), _run_case, workers=workers, setup_fn=_setup)
    done = driver.count_done() - before
    if outcome.errors:
        print(f"[2c] {len(outcome.errors)} errors, first:\n{outcome.errors[0]}")
    rate = done / outcome.wall if outcome.wall else 0.0
    scenario = "2c viewflow.workflow peer"
    return [
        Row(scenario, "complete cases (checked in DB)", done, "cases", f"= {n}", done == n),
        Row(scenario, f"throughput, {workers} processes", rate, "cases/s"),
    ], rate
