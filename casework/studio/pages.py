"""Mount the studio's pages in the workbench and put them in the menu of process admins."""

from __future__ import annotations

from casework.workbench import extensions
from processes import hooks


def _admin(user, roles: set[str]) -> bool:
    return hooks.is_process_admin(user)


def register() -> None:
    from . import editor_views, migration_views, monitor_views, version_views

    extensions.register_urls(
        [
            *editor_views.urlpatterns,
            *version_views.urlpatterns,
            *migration_views.urlpatterns,
            *monitor_views.urlpatterns,
        ]
    )
    extensions.register_menu_entry(
        "流程监控",
        "workbench:monitor",
        "monitor_heart",
        visible=lambda user, roles: hooks.is_process_admin(user),
        order=910,
    )
    extensions.register_menu_entry("流程设计", "workbench:studio", "account_tree", visible=_admin, order=900)
    extensions.register_audit_labels(
        {
            "draft_created": "创建流程草稿",
            "draft_saved": "保存流程草稿",
            "draft_deleted": "删除流程草稿",
            "instance_migrated": "案件迁移流程版本",
            "migration_batch_queued": "发起批量迁移",
            "migration_batch_finished": "批量迁移完成",
            "migration_batch_cancelled": "停止批量迁移",
        }
    )
