"""双随机 task forms (desktop task page and the task API): each validates with the rules of
``services`` so the phone pages and these forms refuse the same things."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from casework.organization.models import Department
from casework.workbench.forms import TaskForm

from . import services
from .models import FollowUp, Inspection, Method, ResultCode


def _inspection(human_task: Any) -> Inspection | None:
    instance_id = getattr(human_task, "instance_id", None)
    if instance_id is None:
        return None
    return (
        Inspection.objects.select_related("draw__task__plan", "follow_up_department")
        .filter(instance_id=instance_id)
        .first()
    )


def _department_choices() -> list[tuple[str, str]]:
    return [("", "（不移送、不抄告）")] + [
        (code, name) for code, name in Department.objects.order_by("code").values_list("code", "name")
    ]


class EnterResultForm(TaskForm):
    """录入检查结果: method, date, result, findings, follow-up (and where it goes)."""

    method = forms.ChoiceField(label="检查方式", choices=Method.choices)
    inspected_on = forms.DateField(
        label="检查日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    result_code = forms.ChoiceField(label="检查结果", choices=ResultCode.choices)
    findings = forms.CharField(
        label="检查情况",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="未发现问题的可不填；其余结果须写明发现的问题或未能检查的情况。",
    )
    follow_up = forms.ChoiceField(label="后续处置", choices=FollowUp.choices, initial=FollowUp.NONE)
    follow_up_department = forms.ChoiceField(
        label="移送/抄告部门", required=False, help_text="选择“移送办案机构”或“抄告相关部门”时必填。"
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = _inspection(self.human_task)
        department_field = self.fields["follow_up_department"]
        assert isinstance(department_field, forms.ChoiceField)
        department_field.choices = _department_choices()
        self.fields["submission_token"].initial = uuid.uuid4()
        item = self.inspection
        if item is not None and item.result_code:  # returned: the earlier entry, to correct
            self.initial.update(
                {
                    "method": item.method,
                    "inspected_on": item.inspected_on,
                    "result_code": item.result_code,
                    "findings": item.findings,
                    "follow_up": item.follow_up,
                    "follow_up_department": item.follow_up_department.code
                    if item.follow_up_department
                    else "",
                }
            )
        elif item is not None:
            self.initial.setdefault("inspected_on", services.today())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.inspection is None:
            if self.inspection is None:
                raise forms.ValidationError("找不到该任务的检查记录")
            return data
        try:
            cleaned = services.check_result(
                self.inspection,
                result_code=data.get("result_code", ""),
                method=data.get("method", ""),
                inspected_on=data.get("inspected_on"),
                findings=data.get("findings", ""),
                follow_up=data.get("follow_up", ""),
                follow_up_department=data.get("follow_up_department", ""),
            )
        except services.InspectionRefused as exc:
            for field, message in (exc.details or {}).items():
                self.add_error(field if field in self.fields else None, message)
            return data
        token = data.get("submission_token")
        return {**cleaned, "submission_token": str(token) if token else ""}


class ConfirmResultForm(TaskForm):
    """同组确认: the second inspector confirms the result as entered, or disputes it."""

    confirm_decision = forms.ChoiceField(
        label="确认意见",
        choices=[(services.CONFIRM_OK, "确认检查结果"), (services.DISPUTE, "有异议，退回主检人员")],
        widget=forms.RadioSelect,
    )
    confirm_note = forms.CharField(
        label="异议说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("confirm_decision") == services.DISPUTE and not (data.get("confirm_note") or "").strip():
            self.add_error("confirm_note", "提出异议须说明理由")
        return data


class ReviewResultForm(TaskForm):
    """审核检查结果: approve (published as 抽查检查结果) or return for correction."""

    review_decision = forms.ChoiceField(
        label="审核结论",
        choices=[(services.APPROVE, "同意并公示"), (services.RETURN, "退回修改")],
        widget=forms.RadioSelect,
    )
    review_note = forms.CharField(
        label="审核意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("review_decision") == services.RETURN and not (data.get("review_note") or "").strip():
            self.add_error("review_note", "退回修改须填写理由")
        return data


class TrackRectificationForm(TaskForm):
    """责令改正跟踪: whether the enterprise corrected what it was ordered to."""

    rectify_outcome = forms.ChoiceField(
        label="复查结果",
        choices=[(services.RECTIFIED, "已按期改正"), (services.NOT_RECTIFIED, "逾期未改正")],
        widget=forms.RadioSelect,
    )
    rectify_note = forms.CharField(
        label="复查情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReceiveFollowUpForm(TaskForm):
    """接收移送案件 / 接收抄告: the receiving department says what it did with it."""

    handling_note = forms.CharField(
        label="处理情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
