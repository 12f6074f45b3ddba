"""归集公示 (``bpmn/collection.bpmn``) registers itself at start-up: what its messages and steps do,
its task forms, the record panel of its task pages, its pages and menu entries, audit labels."""

from __future__ import annotations

from typing import Any

from casework.directory.signals import permit_granted
from casework.organization.permissions import is_process_admin
from casework.portal import registry as portal
from casework.workbench import extensions
from casework.workbench.forms import register_task_form
from processes import hooks

from . import public, selectors, services, urls
from .demo_data import seed_records
from .forms import CorrectRecordForm, ReviewRecordForm

PROCESS = services.PROCESS

hooks.register_message_handler("collection_publish")(services.publish)
hooks.register_message_handler("collection_archive")(services.archive)
hooks.register_message_handler("collection_confidential")(services.keep_confidential)
hooks.on_task_completed(PROCESS, "correct_record")(services.apply_correction)
hooks.on_task_completed(PROCESS, "review_record")(services.apply_review)
permit_granted.connect(services.collect_granted_permit, dispatch_uid="collection:permit_granted")

register_task_form(PROCESS, "correct_record", CorrectRecordForm)
register_task_form(PROCESS, "review_record", ReviewRecordForm)


def _panel(task: Any, user: Any) -> dict | None:
    item = services.record_of(task.instance)
    if item is None:
        return None
    spec = services.type_spec(item.record_type)
    labels = {f["name"]: f.get("label", f["name"]) for f in spec.get("fields", [])}
    return {
        "item": item,
        "values": [(labels.get(k, k), v) for k, v in item.values.items()],
        "errors": [(labels.get(k, k), v) for k, v in (item.errors or {}).items()],
        "versions": selectors.versions_of(item),
    }


def _provides(user: Any, roles: set[str]) -> bool:
    return bool({"officer", "reviewer"} & roles)


extensions.register_panel(PROCESS, "collection/_record.html", _panel, order=10)
extensions.register_urls(urls.web)
extensions.register_urls(urls.api, api=True)
extensions.register_menu_entry(
    "信息归集录入", "workbench:record-entry", "post_add", visible=_provides, order=55
)
extensions.register_menu_entry(
    "批量导入", "workbench:record-import", "upload_file", visible=_provides, order=55
)
extensions.register_menu_entry(
    "归集记录",
    "workbench:records",
    "fact_check",
    visible=lambda user, roles: _provides(user, roles) or is_process_admin(user),
    order=56,
)
extensions.register_audit_labels(
    {
        "record_collected": "归集涉企信息",
        "record_resubmitted": "重新报送涉企信息",
        "record_corrected": "补正涉企信息",
        "record_review_passed": "保密审查通过",
        "record_review_returned": "保密审查退回",
        "record_published": "公示于企业名下",
        "record_archived": "公示期满归档",
        "record_kept_confidential": "涉密不予公示",
        "record_withdrawn": "撤销涉企信息",
        "record_outbound": "外地主体转交换",
        "record_not_collected": "许可反馈未能归集",
        "record_import_queued": "上传批量导入文件",
        "record_import_done": "批量导入完成",
        "record_import_failed": "批量导入中止",
    },
    decisions={"approve": "同意公示", "return": "退回补正"},
)
extensions.register_demo_seeder("归集公示演示信息", seed_records, order=30)
portal.register_public_records(public.public_records)
portal.register_public_search(public.public_search)
