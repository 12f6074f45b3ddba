"""The domain's refusals: ``DomainError`` and its kinds, shown to users like the engine's.

Both the engine's errors and these derive from ``UserFacingError`` (code, HTTP status, a
Chinese message, field details), which the pages show as a message and the API answers as
``{"error": {...}}``.  The domain does not raise the engine's ``EngineError``.
"""

from processes.errors import UserFacingError


class DomainError(UserFacingError):
    """A request the domain refuses (bad registration, unknown department, …)."""

    code = "domain_error"
    status = 400


class Forbidden(DomainError):
    """The user's posts do not allow it (another authority's registration, an area not theirs)."""

    code = "forbidden"
    status = 403


__all__ = ["DomainError", "Forbidden", "UserFacingError"]
