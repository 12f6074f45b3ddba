"""Errors the engine raises to callers; messages are shown to users (Chinese)."""


class UserFacingError(Exception):
    """A refusal shown to the user as it is: a message (Chinese), a code, an HTTP status, details.

    The base of the engine's ``EngineError`` and of the domain's own refusals; the API's JSON
    error envelope (``processes.api.errors``) renders any of them.
    """

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class EngineError(UserFacingError):
    """Base class: a request the engine refuses, with a user-facing message and a code."""

    code = "engine_error"


class TaskAlreadyClaimed(EngineError):
    code = "task_already_claimed"
    status = 409


class TaskNotOpen(EngineError):
    code = "task_not_open"
    status = 409


class NotAllowed(EngineError):
    code = "forbidden"
    status = 403


class InvalidTaskData(EngineError):
    code = "invalid_task_data"


class InstanceNotActive(EngineError):
    code = "instance_not_active"
    status = 409


class InstanceNotFound(EngineError):
    code = "not_found"
    status = 404


class ConcurrentModification(EngineError):
    code = "concurrent_modification"
    status = 409


class StepFailed(EngineError):
    """The engine step raised; an Incident was recorded and nothing was half-saved."""

    code = "step_failed"
    status = 422

    def __init__(self, message: str, *, incident_id: int):
        super().__init__(message, details={"incident_id": incident_id})
        self.incident_id = incident_id


class DeployRejected(EngineError):
    code = "deploy_rejected"

    def __init__(self, problems: list):
        super().__init__(
            "流程图校验未通过：" + "；".join(f"[{p.element_id or '文件'}] {p.reason}" for p in problems),
            details={"problems": [{"element_id": p.element_id, "reason": p.reason} for p in problems]},
        )
        self.problems = problems


class ClockStateConflict(EngineError):
    """The case's clock is already suspended (or is not suspended) — nothing to do."""

    code = "clock_state_conflict"
    status = 409
