"""抽查计划 forms: the plan, a task (with its target filter), a draw's witnesses, withdrawal; and the
task forms of ``bpmn/inspection_plan.bpmn`` (审批, 修改后重新报批, 实施抽取办结)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from casework.directory.models import Enterprise
from casework.organization.models import Department
from casework.workbench.forms import TaskForm

from . import draw, plans
from .models import InspectionItem, InspectionPlan


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class PlanForm(forms.Form):
    name = forms.CharField(label="计划名称", max_length=200)
    departments = forms.ModelMultipleChoiceField(
        label="参与部门",
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="联合抽查（进一次门、查多项事）时勾选其他部门；牵头部门必选。",
    )
    period_start = _date("实施开始日期")
    period_end = _date("实施结束日期")
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, lead: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["departments"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=InspectionItem.objects.filter(active=True).values("department")) | Q(pk=lead.pk)
        ).order_by("code")
        self.initial.setdefault("departments", [lead.pk])

    @staticmethod
    def initial_of(plan: InspectionPlan) -> dict:
        return {
            "name": plan.name,
            "departments": list(plan.departments.values_list("pk", flat=True)),
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "note": plan.note,
        }

    def values(self) -> plans.PlanValues:
        data = self.cleaned_data
        return plans.PlanValues(
            name=data["name"],
            departments=list(data["departments"]),
            period_start=data["period_start"],
            period_end=data["period_end"],
            note=data.get("note", ""),
        )


def _choices(pairs) -> list[tuple[str, str]]:
    return [(str(code), str(label)) for code, label in pairs]


class PlanTaskForm(forms.Form):
    """抽查任务: what is inspected, among whom, how many, by whom, until when."""

    name = forms.CharField(label="任务名称", max_length=200)
    departments = forms.ModelMultipleChoiceField(
        label="参与部门", queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    items = forms.ModelMultipleChoiceField(
        label="抽查事项", queryset=InspectionItem.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    divisions = forms.MultipleChoiceField(
        label="区域", required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label="主体类型",
        required=False,
        choices=_choices(Enterprise.Kind.choices),
        widget=forms.CheckboxSelectMultiple,
    )
    industries = forms.MultipleChoiceField(
        label="行业门类",
        required=False,
        choices=_choices(Enterprise.Industry.choices),
        widget=forms.CheckboxSelectMultiple,
    )
    risk_classes = forms.MultipleChoiceField(
        label="风险分类",
        required=False,
        choices=_choices(Enterprise.Risk.choices),
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(
        label="抽取方式",
        choices=[("count", "按户数"), ("ratio", "按风险分类比例")],
        widget=forms.RadioSelect,
        initial="ratio",
    )
    count = forms.IntegerField(label="抽取户数", required=False, min_value=1)
    ratio_A = forms.CharField(label="A 类比例", required=False, max_length=10, initial="0.03")
    ratio_B = forms.CharField(label="B 类比例", required=False, max_length=10, initial="0.05")
    ratio_C = forms.CharField(label="C 类比例", required=False, max_length=10, initial="0.1")
    ratio_D = forms.CharField(label="D 类比例", required=False, max_length=10, initial="0.2")
    per_target = forms.IntegerField(
        label="每户检查人员数", initial=2, min_value=0, help_text="至少 2 名执法人员（行政处罚法 第四十二条）"
    )
    recent_draws = forms.IntegerField(
        label="近期抽查回避次数", initial=3, min_value=0, help_text="最近几次抽取中检查过该主体的人员回避"
    )
    result_due = _date("结果录入截止日期")

    FILTER_FIELDS = ("divisions", "kinds", "industries", "risk_classes")

    def __init__(self, *args: Any, plan: InspectionPlan, divisions=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        departments = plan.departments.order_by("code")
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["items"].queryset = (  # type: ignore[attr-defined]
            InspectionItem.objects.filter(department__in=departments, active=True)
            .select_related("department")
            .order_by("department__code", "code")
        )
        self.fields["items"].label_from_instance = lambda i: f"{i.name}（{i.department.name}）"  # type: ignore[attr-defined]
        self.fields["divisions"].choices = [(d.code, d.name) for d in divisions]  # type: ignore[attr-defined]
        self.initial.setdefault("departments", list(departments.values_list("pk", flat=True)))
        self.initial.setdefault("result_due", plan.period_end)

    @classmethod
    def initial_of(cls, task) -> dict:
        data: dict[str, Any] = {
            "name": task.name,
            "departments": list(task.departments.values_list("pk", flat=True)),
            "items": list(task.items.values_list("pk", flat=True)),
            "mode": "count" if task.count is not None else "ratio",
            "count": task.count,
            "per_target": task.per_target,
            "recent_draws": task.recent_draws,
            "result_due": task.result_due,
        }
        for risk in draw.RISK_CLASSES:
            data[f"ratio_{risk}"] = (task.ratios or {}).get(risk, "")
        for key in cls.FILTER_FIELDS:
            data[key] = list((task.target_filter or {}).get(key, []))
        return data

    def target_filter(self) -> dict[str, list[str]]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {key: list(data.get(key) or []) for key in self.FILTER_FIELDS if data.get(key)}

    def values(self) -> plans.TaskValues:
        data = self.cleaned_data
        by_count = data.get("mode") == "count"
        return plans.TaskValues(
            name=data["name"],
            departments=list(data["departments"]),
            items=list(data["items"]),
            target_filter=self.target_filter(),
            count=data.get("count") if by_count else None,
            ratios={} if by_count else {r: (data.get(f"ratio_{r}") or "").strip() for r in draw.RISK_CLASSES},
            per_target=data["per_target"],
            recent_draws=data["recent_draws"],
            result_due=data["result_due"],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "count" and data.get("count") is None and "count" not in self.errors:
            self.add_error("count", "请填写抽取户数")
        return data


class DrawForm(forms.Form):
    witnesses = forms.CharField(
        label="见证人",
        max_length=300,
        help_text="在场见证抽取的人员姓名，多人用顿号分隔",
        error_messages={"required": "请填写见证人姓名（抽取须有见证人在场）"},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=500, error_messages={"required": "请填写撤回原因"})


# --- task forms of inspection_plan.bpmn ----------------------------------------------------------


def _plan(human_task: Any) -> InspectionPlan | None:
    instance_id = getattr(human_task, "instance_id", None)
    if instance_id is None:
        return None
    return InspectionPlan.objects.filter(instance_id=instance_id).first()


class ReviewPlanForm(TaskForm):
    """审批抽查计划: approve it, or return it for changes with the reason."""

    plan_decision = forms.ChoiceField(
        label="审批结论",
        choices=[(plans.APPROVE, "批准"), (plans.RETURN, "退回修改")],
        widget=forms.RadioSelect,
    )
    review_note = forms.CharField(
        label="审批意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("plan_decision") == plans.RETURN and not (data.get("review_note") or "").strip():
            self.add_error("review_note", "退回修改须填写理由")
        return data


class RevisePlanForm(TaskForm):
    """修改抽查计划: the plan was changed on its page; resubmit it for approval."""

    revision_note = forms.CharField(
        label="修改说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = _plan(self.human_task)
        if plan is None:
            raise forms.ValidationError("找不到该任务的抽查计划")
        try:
            plans.check_ready(plan)
        except plans.PlanRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


class ConductDrawForm(TaskForm):
    """实施抽取 办结: only when every task of the plan has been drawn."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = _plan(self.human_task)
        if plan is None:
            raise forms.ValidationError("找不到该任务的抽查计划")
        left = plans.undrawn(plan)
        if left:
            raise forms.ValidationError(
                f"还有 {len(left)} 个抽查任务未抽取（{'、'.join(t.name for t in left)}），全部抽取后才能办结"
            )
        return data
