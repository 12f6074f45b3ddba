"""The demo process's forms: starting a case (发起事项) and completing it (认领并办理)."""

from django import forms

from casework.organization.models import Department
from casework.workbench.forms import TaskForm


class DemoCaseForm(forms.Form):
    title = forms.CharField(label="事项名称", max_length=200)
    department = forms.ModelChoiceField(
        label="承办部门",
        queryset=Department.objects.exclude(kind=Department.Kind.SUPERVISION).order_by("code"),
        to_field_name="code",
    )
    deadline_workdays = forms.IntegerField(label="办理时限（工作日）", min_value=0, max_value=60, initial=3)


class HandleCaseForm(TaskForm):
    """认领并办理 (demo process)."""

    opinion = forms.CharField(label="办理意见", max_length=2000)
