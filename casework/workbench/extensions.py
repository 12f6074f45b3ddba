"""What a lifecycle adds to the workbench, registered from its ``steps`` module at start-up.

The workbench knows tasks, inboxes and the page frame; it does not know any lifecycle.  A
lifecycle contributes: task forms (``register_task_form``, in ``casework.workbench.forms``),
panels on the task page, menu entries, a home page per role, web and API URLs, who hears of
a new task, demo data and management commands.  Each registry is read when it is used, so the order in which
lifecycles load does not matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver


@dataclass(frozen=True)
class Panel:
    """A section of the task page: ``template`` rendered with ``context(task, user)``.

    ``case_type`` "*" shows it on every task; ``context`` returning None hides it.
    """

    case_type: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100
    after_form: bool = False  # below the completion form (records), else above it (case facts)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    icon: str
    visible: Callable[[Any, set[str]], bool]  # (user, the user's role codes) -> shown?
    order: int = 100


@dataclass
class _Registry:
    panels: list[Panel] = field(default_factory=list)
    menu: list[MenuEntry] = field(default_factory=list)
    homes: dict[str, str] = field(default_factory=dict)
    urls: list[URLPattern | URLResolver] = field(default_factory=list)
    api_urls: list[URLPattern | URLResolver] = field(default_factory=list)
    task_notices: list[Callable[[Any], bool]] = field(default_factory=list)
    demo_seeders: list[tuple[int, str, Callable[[], int]]] = field(default_factory=list)
    audit_labels: dict[str, str] = field(default_factory=dict)
    decision_labels: dict[str, str] = field(default_factory=dict)
    commands: dict[str, type] = field(default_factory=dict)


_registry = _Registry()


def register_panel(
    case_type: str,
    template: str,
    context: Callable[[Any, Any], dict | None],
    *,
    order: int = 100,
    after_form: bool = False,
) -> None:
    panel = Panel(case_type, template, context, order, after_form)
    if panel not in _registry.panels:
        _registry.panels.append(panel)


def panels_for(task: Any, user: Any, *, after_form: bool = False) -> list[tuple[str, dict]]:
    """(template, context) of each panel shown on this task's page, in order."""
    shown = []
    for panel in sorted(_registry.panels, key=lambda p: p.order):
        if panel.case_type not in ("*", task.case_type) or panel.after_form != after_form:
            continue
        context = panel.context(task, user)
        if context is not None:
            shown.append((panel.template, context))
    return shown


def register_menu_entry(
    label: str, url_name: str, icon: str, *, visible: Callable[[Any, set[str]], bool], order: int = 100
) -> None:
    entry = MenuEntry(label, url_name, icon, visible, order)
    if all(e.url_name != url_name for e in _registry.menu):
        _registry.menu.append(entry)


def menu_for(user: Any, roles: set[str]) -> list[MenuEntry]:
    return [e for e in sorted(_registry.menu, key=lambda e: e.order) if e.visible(user, roles)]


def register_home(role: str, url_name: str) -> None:
    """Where a user holding ``role`` lands on ``/`` (the first matching role wins)."""
    _registry.homes.setdefault(role, url_name)


def home_for(roles: set[str]) -> str | None:
    return next((url for role, url in _registry.homes.items() if role in roles), None)


def register_urls(patterns: list, *, api: bool = False) -> None:
    """Web pages (under the workbench, names in its ``workbench:`` namespace) or API routes."""
    target = _registry.api_urls if api else _registry.urls
    for pattern in patterns:
        if pattern not in target:
            target.append(pattern)


def web_urls() -> list:
    return list(_registry.urls)


def api_urls() -> list:
    return list(_registry.api_urls)


def register_task_notice(announce: Callable[[Any], bool]) -> None:
    """``announce(human_task)`` tells its own audience of a new task and returns True, or False
    to leave it to the default notice (the candidate department's officers)."""
    if announce not in _registry.task_notices:
        _registry.task_notices.append(announce)


def announced_elsewhere(human_task: Any) -> bool:
    return any(announce(human_task) for announce in _registry.task_notices)


def register_audit_labels(actions: dict[str, str], *, decisions: dict[str, str] | None = None) -> None:
    """Chinese names of a lifecycle's audit actions (the case timeline) and of its decisions."""
    _registry.audit_labels.update(actions)
    _registry.decision_labels.update(decisions or {})


def audit_label(action: str) -> str | None:
    return _registry.audit_labels.get(action)


def decision_label(code: str) -> str | None:
    return _registry.decision_labels.get(code)


def register_demo_seeder(label: str, seed: Callable[[], int], *, order: int = 100) -> None:
    """``seed()`` creates the lifecycle's demo data idempotently and returns how many it made."""
    if all(existing != label for _, existing, _ in _registry.demo_seeders):
        _registry.demo_seeders.append((order, label, seed))


def demo_seeders() -> list[tuple[str, Callable[[], int]]]:
    return [(label, seed) for _, label, seed in sorted(_registry.demo_seeders, key=lambda s: s[0])]


def register_command(name: str, command: type) -> None:
    """A ``manage.py <name>`` command the lifecycle provides (a ``BaseCommand`` subclass); the
    thin module ``casework/management/commands/<name>.py`` hands Django this class."""
    _registry.commands[name] = command


def registered_command(name: str) -> type:
    from django.core.management.base import CommandError

    try:
        return _registry.commands[name]
    except KeyError:
        raise CommandError(f"没有生命周期提供命令 {name}") from None
