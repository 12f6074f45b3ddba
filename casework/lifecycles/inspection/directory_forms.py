"""Forms of the 抽查事项清单, the 执法检查人员名录库 (with 回避申报), the 检查对象名录库 filter and
the 确认名录库 task. They gather input; ``directories`` decides."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.directory.models import Enterprise
from casework.workbench.forms import TaskForm

from .models import InspectionItem, Inspector, Method


class ItemForm(forms.Form):
    code = forms.CharField(label="事项编码", max_length=40)
    name = forms.CharField(label="抽查事项", max_length=200)
    legal_basis = forms.CharField(label="检查依据", widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label="检查方式", choices=Method.choices, initial=Method.ONSITE)
    subject_kinds = forms.MultipleChoiceField(
        label="检查对象类型",
        choices=Enterprise.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部类型",
    )
    checklist = forms.CharField(
        label="检查要点",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一条",
    )

    @classmethod
    def initial_of(cls, item: InspectionItem) -> dict[str, Any]:
        return {
            "code": item.code,
            "name": item.name,
            "legal_basis": item.legal_basis,
            "method": item.method,
            "subject_kinds": list(item.subject_kinds or []),
            "checklist": "\n".join(item.checklist or []),
        }


class InspectorFields(forms.Form):
    certificate_number = forms.CharField(label="执法证号", max_length=40)
    certificate_valid_until = forms.DateField(
        label="执法证有效期至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    specialities = forms.CharField(
        label="专业领域",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一项，如 食品安全、医疗卫生",
    )

    @classmethod
    def initial_of(cls, inspector: Inspector) -> dict[str, Any]:
        return {
            "certificate_number": inspector.certificate_number,
            "certificate_valid_until": inspector.certificate_valid_until,
            "specialities": "\n".join(inspector.specialities or []),
        }


class AddInspectorForm(InspectorFields):
    user = forms.ChoiceField(label="人员", choices=[])
    field_order = ["user", "certificate_number", "certificate_valid_until", "specialities"]

    def __init__(self, *args: Any, candidates=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            ("", "请选择本部门人员"),
            *[(pk, u.get_full_name() or u.get_username()) for pk, u in self.candidates.items()],
        ]

    def clean_user(self):
        return self.candidates[self.cleaned_data["user"]]


class UnavailableForm(forms.Form):
    reason = forms.CharField(label="不可参与原因", max_length=200, help_text="如 借调、休假、调离执法岗位")


class ConflictForm(forms.Form):
    credit_code = forms.CharField(label="统一社会信用代码", max_length=30)
    reason = forms.CharField(label="回避事由", max_length=200, help_text="如 近亲属任该企业股东")


def _choices(choices) -> list[tuple[str, str]]:
    return [(code, label) for code, label in choices]


class DirectoryFilter(forms.Form):
    """检查对象名录库 filters (a list each; none = all)."""

    divisions = forms.MultipleChoiceField(label="区域", required=False, choices=[])
    kinds = forms.MultipleChoiceField(
        label="主体类型", required=False, choices=_choices(Enterprise.Kind.choices)
    )
    industries = forms.MultipleChoiceField(
        label="行业门类", required=False, choices=_choices(Enterprise.Industry.choices)
    )
    risk_classes = forms.MultipleChoiceField(
        label="风险分类", required=False, choices=_choices(Enterprise.Risk.choices)
    )
    statuses = forms.MultipleChoiceField(
        label="登记状态", required=False, choices=_choices(Enterprise.Status.choices)
    )

    def __init__(self, *args: Any, divisions=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["divisions"].choices = [(d.code, d.name) for d in divisions]  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]

    def as_filter(self) -> dict[str, list[str]]:
        if not self.is_valid():
            return {}
        return {key: list(value) for key, value in self.cleaned_data.items() if value}


class ConfirmInspectorsForm(TaskForm):
    """确认本部门执法检查人员名录库 (the reminder's task)."""

    confirmed = forms.BooleanField(
        label="已核对本部门执法检查人员名录库（人员变动、执法证有效期、可参与状态），内容属实",
        required=True,
        error_messages={"required": "请先核对名录库并勾选确认"},
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如 本期新增、调离人员",
    )
