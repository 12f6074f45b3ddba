"""Validation of what officers submit when completing a task, per (process, BPMN task)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

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


class ClaimOrReturnForm(TaskForm):
    """认领或退回: a return needs its reason (the registrar reads it to pick the right department)."""

    claim_decision = forms.ChoiceField(label="处理", choices=[("claim", "认领"), ("return", "退回")])
    return_reason = forms.CharField(label="退回理由", max_length=1000, required=False, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        if data.get("claim_decision") == "return" and not (data.get("return_reason") or "").strip():
            self.add_error("return_reason", "退回须填写理由")
        return data


class ConfirmDepartmentForm(TaskForm):
    """人工确认审批部门: the registrar names the department to push to again."""

    department = forms.CharField(label="重新推送至审批部门", max_length=50, widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Department

        kinds = [Department.Kind.APPROVAL, Department.Kind.INDUSTRY]
        options = Department.objects.filter(kind__in=kinds).order_by("division_code", "code")
        self.fields["department"].widget.choices = [("", "请选择")] + [
            (d.code, f"{d.name}（{d.code}）") for d in options
        ]

    def clean_department(self):
        from .models import Department

        code = self.cleaned_data["department"].strip()
        kinds = [Department.Kind.APPROVAL, Department.Kind.INDUSTRY]
        department = Department.objects.filter(code=code, kind__in=kinds).first()
        if department is None:
            raise forms.ValidationError(f"“{code}”不是已登记的审批或行业主管部门")
        if self.human_task is not None:
            self._check_branch(department)
        return code

    def _check_branch(self, department) -> None:
        from processes.models import HumanTask

        from .models import ReturnRecord
        from .registrations import _within

        task = self.human_task
        returned = (
            ReturnRecord.objects.filter(confirm_task=task).values_list("department_code", flat=True).first()
        )
        if department.code == returned:
            raise forms.ValidationError("不能推送回刚退回的部门")
        busy = HumanTask.objects.filter(
            instance_id=task.instance_id, state=HumanTask.State.OPEN, candidate_department=department.code
        ).exclude(pk=task.pk)
        if busy.exists():
            raise forms.ValidationError(f"{department.name}已在办理本件，无需重复推送")
        area = task.area_code or ""
        if area and not (_within(area, department.division_code) or _within(department.division_code, area)):
            raise forms.ValidationError(f"{department.name}不在本件登记地（{area}）的上下级范围内")


class PermitFeedbackForm(TaskForm):
    """许可审批反馈: the decision, and for a granted permit the record that will be published."""

    DECISIONS = [
        ("granted", "准予许可"),
        ("refused", "不予许可"),
        ("not_required", "无需许可"),
        ("not_applied", "企业未申请"),
    ]
    permit_decision = forms.ChoiceField(label="审批结果", choices=DECISIONS)
    decision_date = forms.DateField(label="决定日期", required=False)
    permit_number = forms.CharField(label="许可文件编号", max_length=100, required=False)
    permit_name = forms.CharField(label="许可文件名称", max_length=200, required=False)
    valid_from = forms.DateField(label="有效期自", required=False)
    valid_to = forms.DateField(label="有效期至", required=False)
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

    def clean(self):
        data = super().clean()
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
    """公示认领: the claiming officer's own department takes the registration."""

    def clean(self):
        data = super().clean()
        from .models import Department

        assignee = self.human_task.assignee if self.human_task else None
        division = (
            (self.human_task.candidate_department or "").removeprefix("POOL-") if self.human_task else ""
        )
        departments = Department.objects.filter(
            memberships__user=assignee,
            memberships__role="officer",
            division_code=division,
            kind__in=[Department.Kind.APPROVAL, Department.Kind.INDUSTRY],
        ).distinct()
        if assignee is None or not departments.exists():
            raise forms.ValidationError("只有本级审批部门的经办人员可以认领")
        data["department"] = departments.order_by("code").first().code
        return data


FORMS: dict[tuple[str, str], type[TaskForm]] = {
    ("registration_push", "claim_or_return"): ClaimOrReturnForm,
    ("registration_push", "confirm_department"): ConfirmDepartmentForm,
    ("registration_push", "permit_feedback"): PermitFeedbackForm,
    ("registration_push", "pool_permit_feedback"): PermitFeedbackForm,
    ("registration_push", "claim_from_pool"): ClaimFromPoolForm,
    ("demo_claim", "handle_case"): HandleCaseForm,
    ("efficiency_supervision", "supervise"): SupervisionDecisionForm,
}


def form_for(case_type: str, bpmn_id: str) -> type[TaskForm] | None:
    return FORMS.get((case_type, bpmn_id))


def _validator(form_class: type[TaskForm]):
    def clean(human_task, data: dict) -> dict:
        nested = sorted(k for k, v in data.items() if isinstance(v, dict | list))
        if nested:
            raise InvalidTaskData(
                "提交内容有误：字段值应为文本或数字", details={k: ["应为文本或数字"] for k in nested}
            )
        as_text = {k: v if isinstance(v, str) or v is None else str(v) for k, v in data.items()}
        form = form_class(data=as_text, human_task=human_task)
        if not form.is_valid():
            details = {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            first = next(iter(details.values()))[0]
            raise InvalidTaskData(f"提交内容有误：{first}", details=details)
        return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}

    return clean


for (case_type, bpmn_id), form_class in FORMS.items():
    hooks.register_form(case_type, bpmn_id)(_validator(form_class))
