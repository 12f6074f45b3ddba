"""Engine models: definitions (what a process is) apart from instances (where a case stands)."""

from .audit import AuditEvent
from .batches import MigrationBatch, MigrationBatchCase
from .calendar import CalendarDay, CalendarYear
from .clocks import ClockPause
from .definitions import ProcessDefinition, ProcessDraft, ProcessVersion
from .instances import Incident, ProcessInstance, ProcessMessage
from .tasks import HumanTask

__all__ = [
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "ClockPause",
    "HumanTask",
    "Incident",
    "MigrationBatch",
    "MigrationBatchCase",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ProcessMessage",
    "ProcessVersion",
]
