"""Extension points the domain registers at start-up; the engine calls them in-transaction.

``processes`` knows BPMN, not departments or enterprises: the domain tells it which roles
a diagram may name, who may act on a task, how a task's form is validated, and what a
completed step or a thrown message means.
"""

from collections.abc import Callable
from typing import Any

# (user, human_task, action) -> None, raising processes.errors.NotAllowed
TaskAuthorizer = Callable[[Any, Any, str], None]
# (human_task, data) -> cleaned data, raising processes.errors.InvalidTaskData
TaskFormValidator = Callable[[Any, dict], dict]
# (instance, human_task, data, actor) -> None
TaskHook = Callable[..., None]
# (message, instance) -> None
MessageHandler = Callable[..., None]

_authorizers: list[TaskAuthorizer] = []
_form_validators: dict[tuple[str, str], TaskFormValidator] = {}
_created_hooks: dict[tuple[str, str], list[TaskHook]] = {}
_completed_hooks: dict[tuple[str, str], list[TaskHook]] = {}
_cancelled_hooks: dict[tuple[str, str], list[TaskHook]] = {}
_message_handlers: dict[str, MessageHandler] = {}
_admin_checks: list[Callable[[Any], bool]] = []
_candidate_roles: list[str] = []


def register_candidate_roles(*codes: str) -> None:
    """The domain names the role codes a human task may ask for (``candidate_role``).

    Deploy-time validation refuses any other role; with none registered every role is refused.
    Registering a code twice keeps it once, in its first place.
    """
    for code in codes:
        if code not in _candidate_roles:
            _candidate_roles.append(code)


def candidate_roles() -> tuple[str, ...]:
    """The registered role codes, in the order they were registered."""
    return tuple(_candidate_roles)


def register_admin_check(fn: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """The domain says who is a process admin (流程管理员); superusers always are."""
    if fn not in _admin_checks:
        _admin_checks.append(fn)
    return fn


def is_process_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or any(fn(user) for fn in _admin_checks)


def register_authorizer(fn: TaskAuthorizer) -> TaskAuthorizer:
    if fn not in _authorizers:
        _authorizers.append(fn)
    return fn


def authorize(user, human_task, action: str) -> None:
    for fn in _authorizers:
        fn(user, human_task, action)


def register_form(case_type: str, bpmn_id: str) -> Callable[[TaskFormValidator], TaskFormValidator]:
    def deco(fn: TaskFormValidator) -> TaskFormValidator:
        _form_validators[(case_type, bpmn_id)] = fn
        return fn

    return deco


def has_form(case_type: str, bpmn_id: str) -> bool:
    return (case_type, bpmn_id) in _form_validators


def forms_of(case_type: str) -> list[str]:
    """The form keys registered for ``case_type`` (a diagram's ``form_key`` must name one)."""
    return sorted(key for kind, key in _form_validators if kind == case_type)


def clean_task_data(human_task, data: dict) -> dict:
    fn = _form_validators.get((human_task.case_type, human_task.form))
    return fn(human_task, data) if fn else dict(data)


def _register(table: dict, case_type: str, bpmn_id: str):
    def deco(fn: TaskHook) -> TaskHook:
        hooks = table.setdefault((case_type, bpmn_id), [])
        if fn not in hooks:
            hooks.append(fn)
        return fn

    return deco


def on_task_created(case_type: str = "*", bpmn_id: str = "*"):
    return _register(_created_hooks, case_type, bpmn_id)


def on_task_completed(case_type: str = "*", bpmn_id: str = "*"):
    return _register(_completed_hooks, case_type, bpmn_id)


def on_task_cancelled(case_type: str = "*", bpmn_id: str = "*"):
    return _register(_cancelled_hooks, case_type, bpmn_id)


def _matching(table: dict, human_task) -> list[TaskHook]:
    keys = [
        (human_task.case_type, human_task.bpmn_id),
        (human_task.case_type, "*"),
        ("*", "*"),
    ]
    return [fn for key in keys for fn in table.get(key, [])]


def run_task_created(instance, human_task, data: dict) -> None:
    for fn in _matching(_created_hooks, human_task):
        fn(instance=instance, human_task=human_task, data=data)


def run_task_completed(instance, human_task, data: dict, actor) -> None:
    for fn in _matching(_completed_hooks, human_task):
        fn(instance=instance, human_task=human_task, data=data, actor=actor)


def run_task_cancelled(instance, human_task) -> None:
    for fn in _matching(_cancelled_hooks, human_task):
        fn(instance=instance, human_task=human_task)


def register_message_handler(name: str) -> Callable[[MessageHandler], MessageHandler]:
    def deco(fn: MessageHandler) -> MessageHandler:
        _message_handlers[name] = fn
        return fn

    return deco


def message_handler(name: str) -> MessageHandler | None:
    return _message_handlers.get(name)


# --- departments -----------------------------------------------------------------------
_department_checks: list[Callable[[str], bool]] = []


def register_department_check(fn: Callable[[str], bool]) -> None:
    """The domain keeps the departments: ``fn(code)`` says whether a department code exists (a
    diagram's literal department, e.g. ``escalation_department``, is checked at deploy)."""
    if fn not in _department_checks:
        _department_checks.append(fn)


def department_exists(code: str) -> bool | None:
    """True / False from the domain's check; None when no domain registered one."""
    if not _department_checks:
        return None
    return any(fn(code) for fn in _department_checks)


# --- legal clocks ----------------------------------------------------------------------
# (key, area_code, on_date) -> processes.deadlines.ClockRule | None
ClockResolver = Callable[[str, str, Any], Any]
_clock_resolvers: list[ClockResolver] = []
_clock_key_sources: list[Callable[[], set[str]]] = []


def register_clock_resolver(resolve: ClockResolver, keys: Callable[[], set[str]]) -> None:
    """The domain keeps the legal-clock rules: ``resolve`` finds the rule for a case's area on a
    day (None when none applies); ``keys`` lists every rule key, for deploy-time validation."""
    if resolve not in _clock_resolvers:
        _clock_resolvers.append(resolve)
    if keys not in _clock_key_sources:
        _clock_key_sources.append(keys)


def resolve_clock(key: str, area_code: str, on: Any) -> Any:
    for resolve in _clock_resolvers:
        rule = resolve(key, area_code, on)
        if rule is not None:
            return rule
    return None


def clock_keys() -> set[str]:
    keys: set[str] = set()
    for source in _clock_key_sources:
        keys |= source()
    return keys
