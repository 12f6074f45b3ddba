"""Forms that start cases."""

from django import forms

from .models import Department


class DemoCaseForm(forms.Form):
    title = forms.CharField(label="事项名称", max_length=200)
    department = forms.ModelChoiceField(
        label="承办部门",
        queryset=Department.objects.exclude(kind=Department.Kind.SUPERVISION).order_by("code"),
        to_field_name="code",
    )
    deadline_workdays = forms.IntegerField(label="办理时限（工作日）", min_value=0, max_value=60, initial=3)
