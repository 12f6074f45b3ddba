"""Messages between cases: post one to a case, deliver it to a case waiting for it, sweep the rest.

A message a case throws is routed by ``core.route_messages``; a message posted here is kept as
a ``ProcessMessage`` until its target waits for it, then caught as a step of the target case.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from SpiffWorkflow.bpmn.util import BpmnEvent

from .. import operation
from ..audit import record
from ..errors import EngineError
from ..models import ProcessInstance, ProcessMessage
from ..queueing import enqueue_after_commit
from .core import ACTIVE, Actor, Step, advance_or_incident, json_safe, load_case, locked_instance
from .projection import waiting_message_definition

log = logging.getLogger("processes.engine")


def post_message(
    *, target: ProcessInstance, name: str, payload: dict | None = None, source: ProcessInstance | None = None
) -> ProcessMessage:
    """Persist a message for a case; it is delivered after commit (and by every sweep)."""
    message = ProcessMessage.objects.create(
        name=name, payload=json_safe(payload or {}), source=source, target=target
    )
    record("message_posted", instance=target, name=name, message_id=message.pk)
    from ..tasks import deliver_messages

    enqueue_after_commit(deliver_messages)  # every timer sweep delivers what is left
    return message


def deliver_message(*, instance_id: int, name: str, payload: dict | None = None, actor: Actor = None) -> bool:
    """Deliver message ``name`` to a case waiting for it; False if nothing there waits."""
    with transaction.atomic(), operation.buffered():
        instance = locked_instance(instance_id)
        if instance is None or instance.status not in ACTIVE:
            return False
        wf = load_case(instance)
        definition = waiting_message_definition(wf, name)
        if definition is None:
            return False
        event = BpmnEvent(definition, payload=dict(payload or {}))
        record("message_delivered", actor=actor, instance=instance, name=name)
        incident = advance_or_incident(
            instance,
            wf,
            action="message",
            args={"name": name, "payload": payload or {}},
            step=lambda wf: wf.catch(event),
            actor=actor,
        )
    if incident is not None:
        log.warning("message %s consumed by instance %s with incident %s", name, instance_id, incident.pk)
    return True


def deliver_pending_messages(limit: int = 500) -> int:
    """Deliver persisted messages whose target now waits for them.

    Messages whose target does not wait yet are tried again later; each attempt moves a
    message to the back of the line, so a pile of undeliverable ones never starves new ones.
    """
    delivered = 0
    pending = ProcessMessage.objects.filter(
        status=ProcessMessage.Status.PENDING, target__status__in=ACTIVE
    ).order_by(F("attempted_at").asc(nulls_first=True), "pk")[:limit]
    for message in list(pending):
        assert message.target_id is not None
        try:
            done = deliver_message(instance_id=message.target_id, name=message.name, payload=message.payload)
        except EngineError as exc:  # e.g. the target's BPMN version no longer loads
            log.error("message %s to instance %s not delivered: %s", message.pk, message.target_id, exc)
            done = False
        now = timezone.now()
        if done:
            ProcessMessage.objects.filter(pk=message.pk).update(
                status=ProcessMessage.Status.DELIVERED, delivered_at=now, attempted_at=now
            )
            delivered += 1
        else:
            ProcessMessage.objects.filter(pk=message.pk).update(attempted_at=now)
    # Messages to ended cases will never be caught.
    ProcessMessage.objects.filter(
        status=ProcessMessage.Status.PENDING,
        target__status__in=[ProcessInstance.Status.COMPLETED, ProcessInstance.Status.TERMINATED],
    ).update(status=ProcessMessage.Status.HANDLED)
    return delivered


def catch_step(wf, name: str, payload: dict) -> Step:
    """The step that catches message ``name`` again (an incident's retry); refused if none waits."""

    def step(wf) -> None:
        definition = waiting_message_definition(wf, name)
        if definition is None:
            raise EngineError(f"案件未在等待消息“{name}”")
        wf.catch(BpmnEvent(definition, payload=dict(payload)))

    return step
