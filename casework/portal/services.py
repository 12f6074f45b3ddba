"""The portal's state changes: an objection is received (audited, handed on, its receipt e-mailed)
and closed with its outcome (audited, e-mailed).  The objector's e-mail address, when given, gets
both messages with the link to the receipt page; no personal data goes into the audit rows."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import email_outside
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
        _acknowledge(objection)
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


def receipt_link(objection: Objection) -> str:
    """The receipt page (回执) of an objection: its state and, once closed, its outcome."""
    return reverse("portal:receipt", args=[objection.receipt])


def _about(objection: Objection) -> str:
    subject = objection.enterprise_name or objection.credit_code
    return f"{subject}的{objection.category}“{objection.record_title}”"


def _acknowledge(objection: Objection) -> None:
    """回执 by e-mail, when the objector left an address: the 异议编号 and the receipt page."""
    email_outside(
        address=objection.email,
        title=f"异议已收到（异议编号 {objection.number}）",
        body=(
            f"您对{_about(objection)}提出的异议已收到，异议编号：{objection.number}。\n"
            "核查部门将依法核实处理，办结后将以本邮箱告知结果。办理进度可在以下回执页面查看："
        ),
        link=receipt_link(objection),
        dedupe_key=f"objection:{objection.pk}:received",
    )


def close_objection(objection: Objection, outcome: str, /, **audit: Any) -> Objection:
    """办结: the outcome is kept on the objection (its receipt page shows it), audited
    (``objection_closed`` with ``audit``: e.g. the case and what the outcome was) and e-mailed to
    the objector when they left an address.  Call it inside the caller's transaction."""
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        objection.state, objection.outcome = Objection.State.CLOSED, outcome
        objection.save(update_fields=["state", "outcome", "updated_at"])
        record(
            "objection_closed",
            objection_id=objection.pk,
            number=objection.number,
            emailed=bool(objection.email),
            **audit,
        )
        email_outside(
            address=objection.email,
            title=f"异议办理结果（异议编号 {objection.number}）",
            body=(
                f"您于{timezone.localtime(objection.created_at):%Y年%-m月%-d日}对{_about(objection)}"
                f"提出的异议（异议编号 {objection.number}）已办结。\n\n"
                f"办理结果：{outcome}\n\n回执页面："
            ),
            link=receipt_link(objection),
            dedupe_key=f"objection:{objection.pk}:closed",
        )
    return objection
