"""双随机、一公开 registers itself at start-up: commands, pages, menu entries, hooks, audit labels."""

from __future__ import annotations

from casework.workbench import extensions

from .commands import ReplayDraw

# --- draws (drawing.py) ---------------------------------------------------------------------

extensions.register_command("replay_draw", ReplayDraw)
extensions.register_audit_labels(
    {
        "inspection_drawn": "双随机抽取",
        "inspection_draw_replayed": "抽取结果重放核验",
        "inspection_start_refused": "检查案件未能下达",
    }
)

# --- the inspection case (bpmn/random_inspection.bpmn): services.py, forms.py, task_views.py ------
# (helper-e's block: the case's hooks, task forms, task-page panel, photo URL and audit labels)

from casework.workbench.forms import register_task_form  # noqa: E402
from processes import hooks  # noqa: E402

from . import services, task_views  # noqa: E402
from .forms import (  # noqa: E402
    ConfirmResultForm,
    EnterResultForm,
    ReceiveFollowUpForm,
    ReviewResultForm,
    TrackRectificationForm,
)

for _held in services.HELD_BY:
    hooks.on_task_created(services.PROCESS, _held)(services.assign_to_team_member)
hooks.on_task_completed(services.PROCESS, services.ENTER)(services.record_result)
hooks.on_task_completed(services.PROCESS, services.CONFIRM)(services.record_confirmation)
hooks.on_task_completed(services.PROCESS, services.REVIEW)(services.record_review)
hooks.on_task_completed(services.PROCESS, services.RECTIFY)(services.record_rectification)
hooks.on_task_completed(services.PROCESS, services.TRANSFER)(services.record_follow_up_received)
hooks.on_task_completed(services.PROCESS, services.NOTIFY)(services.record_follow_up_received)
hooks.register_message_handler("inspection_publish")(services.publish_message)

register_task_form(services.PROCESS, services.ENTER, EnterResultForm)
register_task_form(services.PROCESS, services.CONFIRM, ConfirmResultForm)
register_task_form(services.PROCESS, services.REVIEW, ReviewResultForm)
register_task_form(services.PROCESS, services.RECTIFY, TrackRectificationForm)
register_task_form(services.PROCESS, services.TRANSFER, ReceiveFollowUpForm)
register_task_form(services.PROCESS, services.NOTIFY, ReceiveFollowUpForm)

extensions.register_panel(services.PROCESS, "inspection/_inspection.html", task_views.panel, order=10)
extensions.register_urls(task_views.urlpatterns)
extensions.register_audit_labels(
    {
        "inspection_started": "下达检查任务",
        "inspection_task_assigned": "分派给检查组成员",
        "inspection_result_submitted": "录入检查结果",
        "inspection_photo_added": "上传现场照片",
        "inspection_result_confirmed": "同组确认",
        "inspection_result_disputed": "同组异议，退回录入",
        "inspection_result_approved": "审核同意",
        "inspection_result_returned": "审核退回修改",
        "inspection_result_published": "公示抽查检查结果",
        "inspection_result_publish_pending": "检查结果已报送公示（待补正）",
        "inspection_result_not_published": "检查结果未能公示",
        "inspection_rectification_tracked": "责令改正跟踪办结",
        "inspection_transfer_received": "接收移送案件",
        "inspection_notice_received": "接收抄告",
    },
    decisions={
        services.CONFIRM_OK: "确认检查结果",
        services.DISPUTE: "有异议",
        services.RECTIFIED: "已按期改正",
        services.NOT_RECTIFIED: "逾期未改正",
    },
)
# --- end of the inspection case block -------------------------------------------------------

# --- 两库 and the 抽查事项清单 (directories.py, directory_views.py; helper-d's block) ------------------
# The reminder bpmn/inspector_list_refresh.bpmn: its task form and panel, the hook that writes the
# confirmation; the pages and menu entries of the lists; audit labels.

from casework.organization.permissions import is_process_admin  # noqa: E402
from casework.workbench.forms import register_task_form  # noqa: E402
from processes import hooks  # noqa: E402

from . import directories as _directories  # noqa: E402
from . import directory_views as _directory_views  # noqa: E402
from . import urls as _urls  # noqa: E402
from .demo_data import seed_directories as _seed_directories  # noqa: E402
from .directory_forms import ConfirmInspectorsForm  # noqa: E402

hooks.on_task_completed(_directories.REFRESH_PROCESS, _directories.CONFIRM_TASK)(
    _directories.confirmed_from_task
)
register_task_form(_directories.REFRESH_PROCESS, _directories.CONFIRM_TASK, ConfirmInspectorsForm)


def _list_panel(task, user):
    return _directory_views.confirm_panel(task)


extensions.register_panel(
    _directories.REFRESH_PROCESS, "inspection/inspector_panel.html", _list_panel, order=10
)
extensions.register_urls(_urls.directories)


def _keeps_lists(user, roles: set[str]) -> bool:
    return bool({"officer", "reviewer", "inspector"} & roles) or is_process_admin(user)


extensions.register_menu_entry(
    "抽查事项清单", "workbench:inspection-items", "checklist", visible=_keeps_lists, order=60
)
extensions.register_menu_entry(
    "执法检查人员名录库", "workbench:inspection-inspectors", "badge", visible=_keeps_lists, order=61
)
extensions.register_menu_entry(
    "检查对象名录库", "workbench:inspection-directory", "domain", visible=_keeps_lists, order=62
)
extensions.register_audit_labels(
    {
        "inspection_item_created": "添加抽查事项",
        "inspection_item_updated": "修改抽查事项",
        "inspection_item_deactivated": "停用抽查事项",
        "inspection_item_activated": "恢复启用抽查事项",
        "inspector_added": "列入执法检查人员名录库",
        "inspector_updated": "修改执法检查人员信息",
        "inspector_unavailable": "标记不可参与抽查",
        "inspector_available": "恢复可参与抽查",
        "inspector_conflict_declared": "申报回避",
        "inspector_conflict_withdrawn": "撤回回避申报",
        "inspector_list_reminder_started": "提醒确认执法检查人员名录库",
        "inspector_list_confirmed": "确认执法检查人员名录库",
        "inspection_directory_refreshed": "检查对象名录库每日更新",
    }
)
extensions.register_demo_seeder("双随机 两库与抽查事项清单", _seed_directories, order=40)
# --- end of the 两库 block ---------------------------------------------------------------------------

# --- 抽查计划 and draws (plans.py, plan_views.py, bpmn/inspection_plan.bpmn; helper-f's block) ------
# The plan case's hooks and task forms, its task-page panel (the 抽取 forms), the plan pages and menu
# entry, the public draw pages on the portal (一公开), audit labels and the demo plan.

from casework.organization.permissions import is_process_admin as _is_admin  # noqa: E402
from casework.portal import registry as _portal  # noqa: E402
from casework.workbench.forms import register_task_form as _register_form  # noqa: E402
from processes import hooks as _hooks  # noqa: E402

from . import plan_views as _plan_views  # noqa: E402
from . import plans as _plans  # noqa: E402
from . import urls as _plan_urls  # noqa: E402
from .plan_demo import seed_demo_plan as _seed_demo_plan  # noqa: E402
from .plan_forms import ConductDrawForm, ReviewPlanForm, RevisePlanForm  # noqa: E402

_hooks.on_task_completed(_plans.PROCESS, _plans.REVIEW)(_plans.record_review)
_hooks.on_task_completed(_plans.PROCESS, _plans.REVISE)(_plans.record_revision)
_hooks.on_task_completed(_plans.PROCESS, _plans.DRAW)(_plans.record_drawn)
_register_form(_plans.PROCESS, _plans.REVIEW, ReviewPlanForm)
_register_form(_plans.PROCESS, _plans.REVISE, RevisePlanForm)
_register_form(_plans.PROCESS, _plans.DRAW, ConductDrawForm)
extensions.register_panel(_plans.PROCESS, "inspection/plan_panel.html", _plan_views.plan_panel, order=10)
extensions.register_urls(_plan_urls.plan_pages)
_portal.register_public_pages("双随机抽查公示", "draws", _plan_urls.public_pages)


def _sees_plans(user, roles: set[str]) -> bool:
    return bool({"officer", "reviewer", "inspector", "registrar"} & roles) or _is_admin(user)


extensions.register_menu_entry(
    "抽查计划", "workbench:inspection-plans", "event_note", visible=_sees_plans, order=59
)
extensions.register_audit_labels(
    {
        "inspection_plan_created": "制定抽查计划",
        "inspection_plan_updated": "修改抽查计划",
        "inspection_plan_task_added": "添加抽查任务",
        "inspection_plan_task_updated": "修改抽查任务",
        "inspection_plan_task_removed": "删除抽查任务",
        "inspection_plan_submitted": "报批抽查计划",
        "inspection_plan_approved": "批准抽查计划",
        "inspection_plan_returned": "退回修改抽查计划",
        "inspection_plan_resubmitted": "修改后重新报批",
        "inspection_plan_done": "抽取完毕",
        "inspection_plan_withdrawn": "撤回抽查计划",
    }
)
extensions.register_demo_seeder("双随机 抽查计划与抽取", _seed_demo_plan, order=45)
# --- end of the 抽查计划 block ------------------------------------------------------------------------

# --- 移动监管执法: the inspector's phone (mobile_views.py, mobile_api.py; helper-g's block) ----------
# The phone pages under /workbench/m/ (list, inspection, result, confirmation), the upload endpoint,
# the manifest and the service worker; a menu entry for inspectors; the demo's inspection cases.

from . import mobile_selectors as _mobile_selectors  # noqa: E402
from . import mobile_views as _mobile_views  # noqa: E402
from .mobile_demo import start_demo_cases as _start_demo_cases  # noqa: E402

extensions.register_urls(_mobile_views.urlpatterns)


def _inspects(user, roles: set[str]) -> bool:
    return "inspector" in roles or _mobile_selectors.is_inspector(user)


extensions.register_menu_entry(
    "移动检查（手机）", "workbench:inspection-m-list", "smartphone", visible=_inspects, order=58
)
extensions.register_demo_seeder("双随机 检查任务（移动检查）", _start_demo_cases, order=46)
# --- end of the 移动监管执法 block -------------------------------------------------------------------
