"""抽查检查结果: an approved 双随机 result becomes a record of the spec's ``inspection_result`` type
(signal ``inspection_result_approved``), through the one submit path every channel takes.

The inspection's number is the record's 检查编号 (its document number): publishing the same result
again is the same record, ``unchanged``.  The inspection lifecycle's codes are mapped here to the
spec's own; a code the spec in force does not know is passed on as it is, so the spec's validation
returns the record to the department for 补正 instead of publishing a wrong result.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.errors import DomainError
from casework.organization.models import Department
from processes.audit import record

from . import services

RECORD_TYPE = "inspection_result"

# inspection code -> the spec's code (format spec v1, record_types "inspection_result")
METHODS = {"commissioned": "entrusted"}
RESULTS = {
    "not_disclosed": "not_published",
    "false_disclosure": "false_information",
    "uncooperative": "obstructed",
    "problem": "pending_follow_up",  # spec v2
}
FOLLOW_UPS = {"rectify": "order"}


def values_of(payload: dict[str, Any]) -> dict[str, str]:
    values = {
        "inspection_number": payload["number"],
        "task_name": payload.get("task_name", ""),
        "inspection_kind": "random",
        "inspection_method": METHODS.get(payload.get("method", ""), payload.get("method", "")),
        "inspection_date": payload["inspected_on"],
        "inspection_authority": payload.get("department_name", ""),
        "result": RESULTS.get(payload["result"], payload["result"]),
        "follow_up": FOLLOW_UPS.get(payload.get("follow_up", ""), payload.get("follow_up", "")),
        "result_detail": payload.get("findings", ""),
    }
    return {k: v for k, v in values.items() if v}


def publish_inspection_result(*, actor=None, **payload: Any) -> dict | None:
    """Receiver of ``inspection_result_approved``: submit the 抽查检查结果 record; its id back."""
    provider = Department.objects.filter(code=payload["department_code"]).first()
    if provider is None:
        return None
    try:
        with transaction.atomic():
            submitted = services.submit_record(
                provider=provider,
                record_type=RECORD_TYPE,
                credit_code=payload["credit_code"],
                enterprise_name=payload["enterprise_name"],
                values=values_of(payload),
                actor=None,  # the approving reviewer acted in the inspection's case, not as a provider
                channel=services.Channel.API,  # system to system (no channel of its own yet)
            )
    except DomainError as exc:
        record("record_not_collected", actor=actor, department=provider.code, reason=exc.message)
        return None
    item = submitted.record
    return {
        "record_id": item.pk,
        "published": item.state == services.State.PUBLISHED,
        "outcome": submitted.outcome,
    }
