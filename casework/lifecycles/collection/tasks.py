"""归集公示 Celery jobs: a batch import (published by ``imports.start_import`` after its commit)."""

from celery import shared_task


@shared_task(name="collection.import_records", acks_late=True)
def import_records(job_id: int) -> None:
    """Import one uploaded file; the job row claims itself once, so a repeated delivery does nothing."""
    from .imports import run_import

    run_import(job_id)
