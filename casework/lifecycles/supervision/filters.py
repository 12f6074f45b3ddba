"""督办台账 filters: outcome, supervised department, level, escalation dates, case title."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from casework.workbench.names import department_name

from .models import Escalation


def _bounded(value):
    if value is not None and not (2000 <= value.year <= 2099):
        raise forms.ValidationError("日期应在 2000 年至 2099 年之间")
    return value


class EscalationFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "案件名称", "type": "search"}),
    )
    outcome = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Escalation.Outcome.choices]
    )
    department = forms.ChoiceField(label="部门", required=False)
    level = forms.TypedChoiceField(label="级别", required=False, coerce=int, empty_value=None)
    created_from = forms.DateField(
        label="升级日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, departments: Sequence[str] = (), levels: Sequence[int] = (), **kwargs: Any
    ) -> None:
        """``departments`` and ``levels``: those of the supervisor's escalations (the choices)."""
        super().__init__(*args, **kwargs)
        named = sorted((department_name(code), code) for code in departments)
        department = self.fields["department"]
        level = self.fields["level"]
        assert isinstance(department, forms.ChoiceField) and isinstance(level, forms.ChoiceField)
        department.choices = [("", "全部"), *((code, name) for name, code in named)]
        level.choices = [("", "全部"), *((str(n), f"{n} 级") for n in levels)]

    def clean_created_from(self):
        return _bounded(self.cleaned_data.get("created_from"))

    def clean_created_to(self):
        return _bounded(self.cleaned_data.get("created_to"))

    def criteria(self) -> dict[str, Any]:
        """The valid filters as ``selectors.escalations_for`` keywords (an invalid one is left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "outcome": data.get("outcome") or None,
            "department": data.get("department") or None,
            "level": data.get("level"),
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }
