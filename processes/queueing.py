"""Queueing Celery jobs after the commit, without ever failing the committed work.

Every job queued here has a durable record in the database (a notification not yet
e-mailed, a message not yet delivered) that a beat sweep picks up on its own. So when the
broker is down, queueing only logs a warning: the request that committed the work still
answers success, and the sweep sends what was left once the broker is back. After a failed
publish the process stops trying for ``BROKER_BACKOFF_SECONDS``, so an unreachable broker
costs one request its connect timeout, not every request.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

_broker_down_until = 0.0  # monotonic time; shared by the threads of one process


def enqueue_after_commit(task, *args) -> None:
    """``task.delay(*args)`` once the current transaction commits; a broker outage is logged, not raised."""
    transaction.on_commit(partial(_publish, task, args), robust=True)


def _publish(task, args: tuple) -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until and not task.app.conf.task_always_eager:
        log.info("broker marked down, %s left to its outbox sweep", task.name)
        return
    try:
        task.apply_async(args)
    except Exception as exc:  # noqa: BLE001 - the outbox row is the guarantee; the queue is only faster
        _broker_down_until = time.monotonic() + settings.BROKER_BACKOFF_SECONDS
        log.warning("broker unavailable, %s left to its outbox sweep: %s", task.name, exc)
