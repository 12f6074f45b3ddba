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
    }
)

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


extensions.register_panel(_directories.REFRESH_PROCESS, "inspection/inspector_panel.html", _list_panel, order=10)
extensions.register_urls(_urls.directories)


def _keeps_lists(user, roles: set[str]) -> bool:
    return bool({"officer", "reviewer", "inspector"} & roles) or is_process_admin(user)


extensions.register_menu_entry("抽查事项清单", "workbench:inspection-items", "checklist", visible=_keeps_lists, order=60)
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
