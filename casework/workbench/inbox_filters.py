"""Inbox filters: case type, due state, area, received dates, search, sort (projection only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from processes.models import HumanTask

from . import names
from .dates import DateField

SORTS = {
    "received": ("created_at", "pk"),
    "-received": ("-created_at", "-pk"),
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
}
SOON_DAYS = 2


def _bounded(value):
    if value is not None and not (2000 <= value.year <= 2099):
        raise forms.ValidationError("日期应在 2000 年至 2099 年之间")
    return value


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "企业名称或统一社会信用代码"}),
    )
    case_type = forms.ChoiceField(label="案件类型", required=False)
    due = forms.ChoiceField(
        label="时限",
        required=False,
        choices=[("", "全部"), ("overdue", "已超期"), ("soon", f"{SOON_DAYS} 日内到期"), ("ok", "未到期")],
    )
    area = forms.ChoiceField(label="行政区划", required=False)
    received_from = DateField(label="接收日期自", required=False)
    received_to = DateField(label="至", required=False)
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[
            ("received", "接收时间（早→晚）"),
            ("-received", "接收时间（晚→早）"),
            ("due", "办理时限（近→远）"),
            ("-due", "办理时限（远→近）"),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_type = self.fields["case_type"]
        area = self.fields["area"]
        assert isinstance(case_type, forms.ChoiceField) and isinstance(area, forms.ChoiceField)
        case_type.choices = [("", "全部"), *names.process_choices()]
        area.choices = [("", "全部"), *names.area_choices()]

    def clean_received_from(self):
        return _bounded(self.cleaned_data.get("received_from"))

    def clean_received_to(self):
        return _bounded(self.cleaned_data.get("received_to"))

    def apply(self, tasks: QuerySet[HumanTask], default_sort: str = "received") -> QuerySet[HumanTask]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # the valid fields apply even if another is not
        now = timezone.now()
        if q := (data.get("q") or "").strip():
            tasks = tasks.filter(
                Q(subject_code__istartswith=q) | Q(subject_name__icontains=q) | Q(case_title__icontains=q)
            )
        if case_type := data.get("case_type"):
            tasks = tasks.filter(case_type=case_type)
        due = data.get("due")
        if due == "overdue":
            tasks = tasks.filter(due_at__lt=now)
        elif due == "soon":
            tasks = tasks.filter(due_at__gte=now, due_at__lte=now + timedelta(days=SOON_DAYS))
        elif due == "ok":
            tasks = tasks.filter(Q(due_at__gt=now) | Q(due_at__isnull=True))
        if area := data.get("area"):
            tasks = tasks.filter(area_code=area)
        tz = timezone.get_current_timezone()
        if start := data.get("received_from"):
            tasks = tasks.filter(created_at__gte=datetime.combine(start, time.min, tz))
        if end := data.get("received_to"):
            tasks = tasks.filter(created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz))
        return tasks.order_by(*SORTS.get(data.get("sort") or default_sort, SORTS[default_sort]))
