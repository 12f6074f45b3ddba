"""Celery tasks of the engine: the timer sweep (beat, every minute) and message delivery."""

from celery import shared_task

from . import engine


@shared_task(name="processes.tasks.fire_due_timers")
def fire_due_timers() -> int:
    engine.deliver_pending_messages()
    return engine.fire_due_timers()


@shared_task(
    name="processes.tasks.deliver_messages", autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def deliver_messages() -> int:
    return engine.deliver_pending_messages()
