"""Validation of what officers submit when completing a task, per (process, BPMN task)."""

from __future__ import annotations

from django import forms

from processes import hooks
from processes.errors import InvalidTaskData


class TaskForm(forms.Form):
    """A task's completion form; knows the task it completes (for checks against the case)."""

    def __init__(self, *args, human_task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.human_task = human_task


class HandleCaseForm(TaskForm):
    """认领并办理 (demo process)."""

    opinion = forms.CharField(label="办理意见", max_length=2000)


class SupervisionDecisionForm(TaskForm):
    """效能督办处理: urge with a new deadline, excuse, or record a violation."""

    DECISIONS = [("urge", "督办（设定新时限）"), ("excuse", "免责"), ("violation", "认定效能问题")]
    decision = forms.ChoiceField(label="处理方式", choices=DECISIONS)
    urge_workdays = forms.IntegerField(label="督办时限（工作日）", min_value=1, max_value=30, required=False)
    reason = forms.CharField(label="理由/督办意见", max_length=2000, required=False, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "urge" and not data.get("urge_workdays"):
            self.add_error("urge_workdays", "督办须设定新的办理时限（1-30 个工作日）")
        if decision in ("excuse", "violation") and not (data.get("reason") or "").strip():
            self.add_error("reason", "免责或认定效能问题须填写理由")
        supervised = self.human_task.instance.parent_task if self.human_task else None
        if decision == "urge" and supervised is not None and not supervised.is_open:
            self.add_error("decision", "被督办任务已办结或已取消，无需督办；请选择免责或认定效能问题")
        return data


FORMS: dict[tuple[str, str], type[TaskForm]] = {
    ("demo_claim", "handle_case"): HandleCaseForm,
    ("efficiency_supervision", "supervise"): SupervisionDecisionForm,
}


def form_for(case_type: str, bpmn_id: str) -> type[TaskForm] | None:
    return FORMS.get((case_type, bpmn_id))


def _validator(form_class: type[TaskForm]):
    def clean(human_task, data: dict) -> dict:
        form = form_class(data=data, human_task=human_task)
        if not form.is_valid():
            details = {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            first = next(iter(details.values()))[0]
            raise InvalidTaskData(f"提交内容有误：{first}", details=details)
        return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}

    return clean


for (case_type, bpmn_id), form_class in FORMS.items():
    hooks.register_form(case_type, bpmn_id)(_validator(form_class))
