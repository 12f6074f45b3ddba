"""The result type of BPMN validation, shared by ``bpmn_validation`` and its helper modules."""

from __future__ import annotations

from dataclasses import dataclass

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NSMAP = {"bpmn": BPMN_NS}


@dataclass(frozen=True)
class Problem:
    """One reason a diagram is refused; ``element_id`` is the BPMN id ("" for the whole file)."""

    element_id: str
    reason: str
