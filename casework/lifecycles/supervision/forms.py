"""效能督办处理: the supervisor's decision on an overdue task."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.workbench.forms import TaskForm

from . import selectors


class SupervisionDecisionForm(TaskForm):
    """效能督办处理: urge with a new deadline, excuse, or record a violation."""

    DECISIONS = [("urge", "督办（设定新时限）"), ("excuse", "免责"), ("violation", "认定效能问题")]
    decision = forms.ChoiceField(label="处理方式", choices=DECISIONS)
    urge_workdays = forms.IntegerField(label="督办时限（工作日）", min_value=1, max_value=30, required=False)
    reason = forms.CharField(label="理由/督办意见", max_length=2000, required=False, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == "urge" and not data.get("urge_workdays"):
            self.add_error("urge_workdays", "督办须设定新的办理时限（1-30 个工作日）")
        if decision in ("excuse", "violation") and not (data.get("reason") or "").strip():
            self.add_error("reason", "免责或认定效能问题须填写理由")
        if (
            decision == "urge"
            and self.human_task is not None
            and not selectors.supervised_is_open(self.human_task)
        ):
            self.add_error("decision", "被督办任务已办结或已取消，无需督办；请选择免责或认定效能问题")
        return data
