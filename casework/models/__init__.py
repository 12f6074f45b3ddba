"""Domain models, by subject: organization, catalogue, enterprises, supervision."""

from .catalogue import ApprovalItem
from .enterprises import Enterprise
from .organization import Department, Membership, Role, Sector
from .registrations import PermitFeedback, Registration, ReturnRecord
from .supervision import EfficiencyViolation, Escalation

__all__ = [
    "ApprovalItem",
    "Department",
    "EfficiencyViolation",
    "Enterprise",
    "Escalation",
    "Membership",
    "PermitFeedback",
    "Registration",
    "ReturnRecord",
    "Role",
    "Sector",
]
