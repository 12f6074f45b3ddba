"""双告知 task forms: 认领或退回, 人工确认审批部门, 许可审批反馈, 公示认领.

Forms check the input; the rules that need the case (which department may take a re-push, who
claims from the pool) are the services'.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from casework.workbench.dates import DateField
from casework.workbench.forms import TaskForm

from . import selectors, services
from .services import InvalidRepush, NotAPoolClaimant


class ClaimOrReturnForm(TaskForm):
    """认领或退回: a return needs its reason (the registrar reads it to pick the right department)."""

    claim_decision = forms.ChoiceField(label="处理", choices=[("claim", "认领"), ("return", "退回")])
    return_reason = forms.CharField(label="退回理由", max_length=1000, required=False, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("claim_decision") == "return" and not (data.get("return_reason") or "").strip():
            self.add_error("return_reason", "退回须填写理由")
        return data


class ConfirmDepartmentForm(TaskForm):
    """人工确认审批部门: the registrar names the department to push to again.

    The list offers only what the rule allows (``selectors.repush_choices``), grouped by level;
    typing in the box above it narrows it (``casework/select-filter.js``).
    """

    department = forms.CharField(
        label="重新推送至审批部门",
        max_length=50,
        widget=forms.Select(attrs={"data-filter": "输入部门名称筛选，如：卫生、教育"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for d in selectors.repush_choices(self.human_task):
            groups.setdefault(d.get_level_display() or "其他", []).append((d.code, d.name))
        widget = self.fields["department"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", "请选择"), *groups.items()]

    def clean_department(self) -> str:
        code = self.cleaned_data["department"].strip()
        try:
            services.repush_target(self.human_task, code)
        except InvalidRepush as exc:
            raise forms.ValidationError(exc.message) from exc
        return code


class PermitFeedbackForm(TaskForm):
    """许可审批反馈: the decision, and for a granted permit the record that will be published."""

    DECISIONS = [
        ("granted", "准予许可"),
        ("refused", "不予许可"),
        ("not_required", "无需许可"),
        ("not_applied", "企业未申请"),
    ]
    permit_decision = forms.ChoiceField(label="审批结果", choices=DECISIONS)
    decision_date = DateField(label="决定日期", required=False)
    permit_number = forms.CharField(label="许可文件编号", max_length=100, required=False)
    permit_name = forms.CharField(label="许可文件名称", max_length=200, required=False)
    valid_from = DateField(label="有效期自", required=False)
    valid_to = DateField(label="有效期至", required=False)
    permit_authority = forms.CharField(label="许可机关", max_length=200, required=False)
    permit_content = forms.CharField(label="许可内容", max_length=2000, required=False, widget=forms.Textarea)

    PERMIT_FIELDS = [
        "permit_number",
        "permit_name",
        "valid_from",
        "valid_to",
        "permit_authority",
        "permit_content",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("permit_decision")
        if decision in ("granted", "refused") and not data.get("decision_date"):
            self.add_error("decision_date", "准予或不予许可须填写决定日期")
        if data.get("decision_date") and data["decision_date"] > timezone.localdate():
            self.add_error("decision_date", "决定日期不能晚于今天")
        if decision == "granted":
            for field in self.PERMIT_FIELDS:
                if not data.get(field):
                    self.add_error(field, f"准予许可须填写{self.fields[field].label}")
            if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
                self.add_error("valid_to", "有效期至不能早于有效期自")
        return data


class ClaimFromPoolForm(TaskForm):
    """公示认领: the claiming officer's own department takes the registration (the service's rule)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["department"] = services.pool_claimant_department(self.human_task)
        except NotAPoolClaimant as exc:
            raise forms.ValidationError(exc.message) from exc
        return data
