"""The demo process (``bpmn/demo_claim.bpmn``) registers itself: its task form, its start page
and menu entry, and its demo cases."""

from django.urls import path

from casework.workbench.extensions import register_demo_seeder, register_menu_entry, register_urls
from casework.workbench.forms import register_task_form

from .demo_data import seed_cases
from .forms import HandleCaseForm
from .views import StartDemoCaseView

PROCESS = "demo_claim"

register_task_form(PROCESS, "handle_case", HandleCaseForm)
register_urls([path("start/", StartDemoCaseView.as_view(), name="start")])
register_menu_entry(
    "发起事项", "workbench:start", "send", visible=lambda user, roles: "registrar" in roles, order=60
)
register_demo_seeder("演示案件", seed_cases, order=10)
