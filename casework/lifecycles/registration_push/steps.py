"""双告知 (``bpmn/registration_push.bpmn``) registers itself at start-up: what its steps record,
its task forms, the enterprise panel of its task pages, who hears of a pool item, the pool
posts, its pages, menu entries, master data and demo data."""

from __future__ import annotations

from typing import Any

from casework.organization.master_data import register_master_data
from casework.organization.permissions import is_process_admin, register_post_provider
from casework.workbench import extensions, names
from casework.workbench.forms import register_task_form
from processes import hooks

from . import notices, pool, selectors, services, urls
from .catalogue_data import seed_catalogue
from .demo_data import seed_registrations
from .forms import ClaimFromPoolForm, ClaimOrReturnForm, ConfirmDepartmentForm, PermitFeedbackForm

PROCESS = services.PROCESS

hooks.on_task_completed(PROCESS, "claim_or_return")(services.record_return)
hooks.on_task_created(PROCESS, "confirm_department")(services.link_return_to_confirmation)
hooks.on_task_completed(PROCESS, "confirm_department")(services.record_repush)
hooks.on_task_completed(PROCESS, "permit_feedback")(services.record_feedback)
hooks.on_task_completed(PROCESS, "pool_permit_feedback")(services.record_feedback)

register_task_form(PROCESS, "claim_or_return", ClaimOrReturnForm)
register_task_form(PROCESS, "confirm_department", ConfirmDepartmentForm)
register_task_form(PROCESS, "permit_feedback", PermitFeedbackForm)
register_task_form(PROCESS, "pool_permit_feedback", PermitFeedbackForm)
register_task_form(PROCESS, "claim_from_pool", ClaimFromPoolForm)

register_post_provider(pool.pool_posts)
names.register_department_name_provider(pool.name)
register_master_data(seed_catalogue)
extensions.register_task_notice(notices.announce_pool_item)


def _panel(task: Any, user: Any) -> dict | None:
    registration = selectors.registration_of_case(task.instance)
    return {"registration": registration} if registration is not None else None


extensions.register_panel(PROCESS, "registration_push/panel.html", _panel, order=10)
extensions.register_urls(urls.web)
extensions.register_urls(urls.api, api=True)
extensions.register_menu_entry(
    "登记推送录入",
    "workbench:registration-entry",
    "note_add",
    visible=lambda user, roles: "registrar" in roles,
    order=50,
)
extensions.register_menu_entry(
    "登记推送记录",
    "workbench:registrations",
    "history",
    visible=lambda user, roles: "registrar" in roles,
    order=51,
)
extensions.register_menu_entry(
    "审批事项目录",
    "workbench:catalogue",
    "list_alt",
    visible=lambda user, roles: is_process_admin(user),
    order=70,
)
extensions.register_audit_labels(
    {
        "registration_received": "收到登记推送",
        "pilot_code_confirmed": "确认试点期代码",
        "registration_returned": "退回登记推送",
        "return_awaits_confirmation": "退回待确认审批部门",
        "registration_repushed": "重新推送",
        "permit_fed_back": "许可审批反馈",
    },
    decisions={
        "granted": "准予许可",
        "refused": "不予许可",
        "not_required": "无需许可",
        "not_applied": "企业未申请",
    },
)
extensions.register_demo_seeder("双告知演示登记", seed_registrations, order=20)
