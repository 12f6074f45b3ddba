"""Run a function in several forked worker processes and collect what each measured.

Each worker opens its own database connection, waits at a start line until every worker
is ready, then runs its share.  The wall time is from the start signal to the last
worker's end; latencies are per item; the peak RSS is each worker's high-water mark.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Outcome:
    wall: float
    latencies: list[float] = field(default_factory=list)
    done: int = 0
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.wall if self.wall else 0.0


def _worker(index, share, item_fn, setup_fn, ready, go, results) -> None:
    from django.db import connections

    latencies: list[float] = []
    errors: list[str] = []
    done = 0
    extra = None
    try:
        context = setup_fn(index) if setup_fn else None
        ready.release()
        go.wait()
        for item in share:
            started = time.perf_counter()
            try:
                item_fn(context, item)
                done += 1
            except Exception:  # noqa: BLE001 - counted and reported, the run goes on
                errors.append(traceback.format_exc(limit=6))
            latencies.append(time.perf_counter() - started)
        extra = context.get("extra") if isinstance(context, dict) else None
    except Exception:  # noqa: BLE001
        errors.append(traceback.format_exc())
        ready.release()
    finally:
        connections.close_all()
    results.put(
        (
            index,
            time.monotonic(),
            latencies,
            done,
            errors[:5] + ([f"… {len(errors)} errors"] if len(errors) > 5 else []),
            peak_rss_mb(),
            extra,
        )
    )


def run_parallel(
    items: Sequence[Any],
    item_fn: Callable[[Any, Any], None],
    *,
    workers: int,
    setup_fn: Callable[[int], Any] | None = None,
) -> Outcome:
    """Split ``items`` round-robin over ``workers`` forked processes and run ``item_fn`` on each."""
    from django.db import connections

    connections.close_all()  # a forked child must never share the parent's socket
    ctx = mp.get_context("fork")
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    shares = [list(items[i::workers]) for i in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(i, shares[i], item_fn, setup_fn, ready, go, results), daemon=True)
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    started = time.monotonic()  # system-wide, and not moved by time-machine in the workers
    go.set()
    collected = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    outcome = Outcome(wall=max(end for _, end, *_ in collected) - started)
    for _, _, latencies, done, errors, rss, extra in sorted(collected, key=lambda r: r[0]):
        outcome.latencies.extend(latencies)
        outcome.done += done
        outcome.errors.extend(errors)
        outcome.peak_rss_mb.append(rss)
        outcome.extra.append(extra)
    return outcome
