"""效能督办 (``bpmn/efficiency_supervision.bpmn``) registers itself at start-up: the timer message
that escalates, what its steps do, its form, the panels of its task pages and of any escalated
task, the supervisors' ledger and home page."""

from __future__ import annotations

from typing import Any

from django.urls import path

from casework.workbench import extensions
from casework.workbench.forms import register_task_form
from processes import hooks

from . import selectors, services
from .forms import SupervisionDecisionForm
from .views import EscalationListView

PROCESS = services.SUPERVISION_PROCESS

hooks.register_message_handler("efficiency_supervision")(services.open_supervision_cases)
hooks.register_message_handler("supervision_overdue")(services.report_overdue_supervision)
hooks.on_task_created(PROCESS, "supervise")(services.record_escalation)
hooks.on_task_completed(PROCESS, "supervise")(services.apply_decision)
hooks.on_task_completed()(services.tell_supervision_cases)
hooks.on_task_cancelled()(services.close_supervision_of_cancelled)

register_task_form(PROCESS, "supervise", SupervisionDecisionForm)


def _supervised_panel(task: Any, user: Any) -> dict | None:
    parent = selectors.supervised_task(task)
    return {"parent_task": parent} if parent is not None else None


def _escalations_panel(task: Any, user: Any) -> dict | None:
    escalations = selectors.escalations_of(task)
    return {"escalations": escalations} if escalations else None


extensions.register_panel(PROCESS, "supervision/supervised_task.html", _supervised_panel, order=10)
extensions.register_panel("*", "supervision/escalations.html", _escalations_panel, order=10, after_form=True)
extensions.register_urls([path("escalations/", EscalationListView.as_view(), name="escalations")])
extensions.register_menu_entry(
    "效能督办", "workbench:escalations", "gavel", visible=lambda user, roles: "supervisor" in roles, order=40
)
extensions.register_home("supervisor", "workbench:escalations")
extensions.register_audit_labels(
    {
        "task_escalated": "超期转效能督办",
        "supervision_decided": "督办处理",
        "escalation_skipped": "督办升级跳过",
        "supervision_overdue": "督办处理超期",
    },
    decisions={"urge": "督办", "excuse": "免责", "violation": "认定效能问题"},
)
