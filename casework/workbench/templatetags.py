"""The workbench's template filters (``{% load workbench %}``): names for codes, audit labels,
due labels.  Lifecycles add their audit labels with ``extensions.register_audit_labels``."""

from django import template

from casework.organization.models import Role
from casework.organization.permissions import posts

from . import extensions, names

register = template.Library()


@register.filter
def case_type_name(key: str) -> str:
    """流程名称 for a case type key, e.g. demo_claim → 部门认领办理（演示）."""
    return names.process_name(key)


@register.filter
def department_name(code: str) -> str:
    return names.department_name(code)


@register.filter
def sector_name(code: str) -> str:
    """职能类别名称: WJ → 卫生健康."""
    return names.sector_name(code)


@register.filter
def area_name(code: str) -> str:
    """行政区划名称: 510802 → 广元市利州区."""
    return names.area_name(code)


@register.filter
def may_act_on(task, user) -> bool:
    """Does the user hold the task's post (may claim and complete it), or only read it?"""
    return (task.candidate_department, task.candidate_role) in posts(user)


@register.filter
def role_name(code: str) -> str:
    return Role(code).label if code in Role.values else code


AUDIT_LABELS = {
    "instance_started": "案件启动",
    "instance_completed": "案件办结",
    "instance_suspended": "案件挂起",
    "instance_resumed": "案件恢复",
    "instance_terminated": "案件终止",
    "task_created": "生成任务",
    "task_claimed": "认领任务",
    "task_released": "退回待认领",
    "task_completed": "办结任务",
    "task_cancelled": "任务取消",
    "task_deadline_changed": "办理时限变更",
    "timers_fired": "定时器到期",
    "message_thrown": "发出消息",
    "message_posted": "收到消息",
    "message_delivered": "消息投递",
    "incident_raised": "流程异常",
    "incident_resolved": "异常已解决",
    "incident_retry_failed": "异常重试失败",
    "process_deployed": "流程部署",
    "process_activated": "流程版本启用",
    "enterprise_registered": "市场主体入库",
    "enterprise_updated": "市场主体更新",
}


@register.filter
def audit_label(action: str) -> str:
    return AUDIT_LABELS.get(action) or extensions.audit_label(action) or action


@register.filter
def audit_detail(event) -> str:
    """A short human summary of the interesting parts of an audit payload."""
    p = event.payload or {}
    parts = []
    if "decision" in p:
        parts.append(extensions.decision_label(p["decision"]) or p["decision"])
    if "level" in p:
        parts.append(f"{p['level']} 级")
    if p.get("after") and event.action == "task_deadline_changed":
        parts.append(f"新时限 {str(p['after'])[:10]}")
    if p.get("reason"):
        parts.append(f"理由：{p['reason']}")
    if p.get("message") and event.action.startswith("incident"):
        parts.append(str(p["message"])[:120])
    data = p.get("data")
    if isinstance(data, dict):
        if data.get("opinion"):
            parts.append(f"意见：{data['opinion']}")
        if data.get("reason"):
            parts.append(f"理由：{data['reason']}")
    return "；".join(parts)


@register.filter
def due_label(due_at) -> str:
    """剩余 N 个工作日 / 今日到期 / 已超期 N 天, counted on the business calendar."""
    from django.utils import timezone

    from processes.business_calendar import CalendarNotCovered, workdays_between

    if due_at is None:
        return "—"
    today, due = timezone.localdate(), timezone.localtime(due_at).date()
    if due < today:
        return f"已超期 {(today - due).days} 天"
    if due == today:
        return "今日到期"
    try:
        left, provisional = workdays_between(today, due)
    except CalendarNotCovered:  # beyond the years the statutory holidays are known for
        return f"{due:%Y-%m-%d} 到期"
    return f"剩余 {left} 个工作日" + ("（暂定）" if provisional else "")
