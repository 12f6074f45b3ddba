"""归集公示 (``bpmn/collection.bpmn``) registers itself at start-up: what its messages and steps do,
its task forms, the record panel of its task pages, its pages and menu entries, audit labels."""

from __future__ import annotations

from typing import Any

from casework.directory.signals import inspection_result_approved, permit_granted
from casework.organization.permissions import is_process_admin
from casework.portal import registry as portal
from casework.workbench import extensions
from casework.workbench.forms import register_task_form
from casework.workbench.names import department_name
from processes import hooks

from . import correction, exchange, inspection_results, public, selectors, services, urls
from .correction_forms import ReviewCorrectionForm, SubmitCorrectionForm
from .demo_data import seed_records
from .forms import CorrectRecordForm, ReviewRecordForm

PROCESS = services.PROCESS

hooks.register_message_handler("collection_publish")(services.publish)
hooks.register_message_handler("collection_archive")(services.archive)
hooks.register_message_handler("collection_confidential")(services.keep_confidential)
hooks.on_task_completed(PROCESS, "correct_record")(services.apply_correction)
hooks.on_task_completed(PROCESS, "review_record")(services.apply_review)
permit_granted.connect(services.collect_granted_permit, dispatch_uid="collection:permit_granted")
inspection_result_approved.connect(
    inspection_results.publish_inspection_result, dispatch_uid="collection:inspection_result_approved"
)

register_task_form(PROCESS, "correct_record", CorrectRecordForm)
register_task_form(PROCESS, "review_record", ReviewRecordForm)


def _panel(task: Any, user: Any) -> dict | None:
    item = services.record_of(task.instance)
    return None if item is None else _panel_of(item)


def _panel_of(item: Any) -> dict:
    spec = services.type_spec(item.record_type)
    labels = {f["name"]: f.get("label", f["name"]) for f in spec.get("fields", [])}
    return {
        "item": item,
        "values": selectors.labelled(spec, item.values),
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
extensions.register_menu_entry(
    "外地主体信息交换",
    "workbench:exchange",
    "swap_horiz",
    visible=lambda user, roles: bool(exchange.EXCHANGE_ROLES & roles) and exchange.may_exchange(user),
    order=57,
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
        "exchange_batch_created": "生成外地主体信息交换批次",
        "exchange_batch_sent": "交换批次已发送",
        "exchange_batch_acknowledged": "登记交换回执",
        "record_exchanged": "已交换至登记地",
        "record_exchange_returned": "登记地退回交换信息",
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

# --- 更正 (bpmn/error_correction.bpmn): the second process of 归集公示 ------------------------------

hooks.register_message_handler("correction_apply")(correction.apply)
hooks.register_message_handler("correction_confirm")(correction.confirm)
hooks.on_task_completed(correction.PROCESS, correction.SUBMIT)(correction.submitted)
hooks.on_task_completed(correction.PROCESS, correction.REVIEW)(correction.reviewed)
hooks.on_task_cancelled(correction.PROCESS, "*")(correction.cancelled)
register_task_form(correction.PROCESS, correction.SUBMIT, SubmitCorrectionForm)
register_task_form(correction.PROCESS, correction.REVIEW, ReviewCorrectionForm)
portal.register_objection_handler(correction.open_for_objection)


def _correction_panel(task: Any, user: Any) -> dict | None:
    found = correction.correction_of(task.instance)
    if found is None:
        return None
    context = _panel_of(found.record)
    return {
        **context,
        "correction": found,
        "reviewer_name": department_name(found.reviewer_department),
        "show_proposal": task.bpmn_id == correction.REVIEW,
        "compared": correction.compared(found) if task.bpmn_id == correction.REVIEW else [],
    }


extensions.register_panel(correction.PROCESS, "collection/_correction.html", _correction_panel, order=10)
extensions.register_audit_labels(
    {
        "correction_opened": "发起更正",
        "correction_submitted": "提交更正申请",
        "correction_agreed": "市场监管同意",
        "correction_sent_back": "退回提供部门",
        "record_amended": "更正并继续公示",
        "correction_confirmed": "核实无误",
        "correction_cancelled": "更正终止",
        "correction_objection_waiting": "异议待转更正",
        "objection_closed": "异议办结",
    },
    decisions={
        correction.AGREE: "同意",
        correction.SEND_BACK: "退回提供部门",
        "correct": "提交更正",
        "confirm": "核实无误",
    },
)
