"""The portal's one state change: an objection is received, audited and handed on."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from processes.audit import record

from .models import Objection
from .registry import PublicRecord, objection_handlers

log = logging.getLogger(__name__)


def submit_objection(
    *, public_record: PublicRecord, credit_code: str, enterprise_name: str, data: dict[str, Any]
) -> Objection:
    """Save the objection and its audit row, then call each registered handler.

    A handler runs in its own transaction after the objection is saved; one that raises is
    logged and audited and the objection stays (staff see it on the 异议 list).
    """
    upload = data.get("attachment")
    with transaction.atomic():
        objection = Objection(
            record_id=public_record.record_id,
            category=public_record.category,
            credit_code=credit_code,
            enterprise_name=enterprise_name,
            record_title=public_record.title[:200],
            document_number=public_record.document_number[:200],
            department=public_record.department[:200],
            contact_name=data["contact_name"],
            phone=data["phone"],
            email=data.get("email") or "",
            description=data["description"],
            attachment_name=(upload.name or "")[:200] if upload else "",
        )
        if upload:
            objection.attachment.save(upload.name or "attachment", upload, save=False)
        objection.save()
        # No personal data in the audit trail: the contact details stay on the objection.
        record(
            "objection_received",
            objection_id=objection.pk,
            number=objection.number,
            record_id=objection.record_id,
            category=objection.category,
            credit_code=credit_code,
            with_attachment=bool(upload),
        )
    for handler in objection_handlers():
        try:
            with transaction.atomic():
                handler(objection)
        except Exception as exc:
            log.exception("Objection handler %r failed for objection %s", handler, objection.pk)
            record(
                "objection_handler_failed",
                objection_id=objection.pk,
                handler=getattr(handler, "__qualname__", repr(handler)),
                error=str(exc)[:500],
            )
    return objection
