"""归集公示 forms: the entry form built from a record type's spec, 补正 and 保密审查 task forms.

Every form only gathers input: the one validation of a record is ``record_types.validate_fields``,
called by the services for every channel (form, file, API, 双告知).
"""

from __future__ import annotations

from typing import Any

from django import forms

from casework.workbench.forms import TaskForm

from . import record_types, services
from .models import CollectedRecord

PREFIX = (
    services.FIELD_PREFIX
)  # the task data of a 补正 carries each field as v_<name> (task data stays flat)
TEXT_TYPES = {"textarea"}


def _choice(choice: Any) -> tuple[str, str]:
    """A spec choice is ``{"code", "label"}`` (the value sent is the code, people read the label)."""
    if isinstance(choice, dict):
        return str(choice["code"]), str(choice.get("label") or choice["code"])
    if isinstance(choice, str):
        return choice, choice
    code, label = choice
    return str(code), str(label)


def _field_for(spec_field: dict) -> forms.Field:
    label = spec_field.get("label", spec_field["name"])
    required = bool(spec_field.get("required"))
    kind = spec_field.get("type", "text")
    if kind == "choice":
        choices = [
            ("", "请选择"),
            *[_choice(c) for c in spec_field.get("choices", [])],
        ]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    widget: forms.Widget = forms.Textarea(attrs={"rows": 3}) if kind in TEXT_TYPES else forms.TextInput()
    if kind == "date":
        widget = forms.TextInput(attrs={"placeholder": "如 2026-12-03", "inputmode": "numeric"})
    return forms.CharField(
        label=label, required=False, widget=widget, max_length=spec_field.get("max_length") or 2000,
        help_text="必填" if required else "",
    )  # fmt: skip


def spec_fields(spec: dict, *, prefix: str = "", initial: dict | None = None) -> dict[str, forms.Field]:
    fields = {}
    for spec_field in spec.get("fields", []):
        field = _field_for(spec_field)
        field.required = False  # the spec validation says what is missing, with its own words
        if initial is not None and spec_field["name"] in initial:
            field.initial = initial[spec_field["name"]]
        fields[f"{prefix}{spec_field['name']}"] = field
    return fields


def errors_into(form: forms.Form, errors: dict[str, str], *, prefix: str = "") -> None:
    for name, message in errors.items():
        key = f"{prefix}{name}"
        form.add_error(key if key in form.fields else None, message)


class RecordEntryForm(forms.Form):
    """信息归集录入: the header, then the type's own fields."""

    credit_code = forms.CharField(label="统一社会信用代码", max_length=30)
    enterprise_name = forms.CharField(label="市场主体名称", max_length=200)
    secret = forms.BooleanField(label="涉及国家秘密（不公示）", required=False)
    sensitive = forms.BooleanField(label="涉及商业秘密或个人隐私（公示前保密审查）", required=False)
    backfill = forms.BooleanField(label="存量信息补录（不计归集超期）", required=False)

    def __init__(self, *args: Any, spec: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        if services.without_code(spec):  # 无证无照: a party without a licence is named instead
            code, name = self.fields["credit_code"], self.fields["enterprise_name"]
            code.required = False
            code.label = "统一社会信用代码（当事人无营业执照的不填）"
            code.help_text = "不填代码的信息归集存档，不在公示系统公示"
            name.label = "市场主体或当事人名称"
        self.fields.update(spec_fields(spec))

    def values(self) -> dict[str, Any]:
        names = [f["name"] for f in self.spec.get("fields", [])]
        return {
            name: self.cleaned_data.get(name)
            for name in names
            if self.cleaned_data.get(name) not in (None, "")
        }


class CorrectRecordForm(TaskForm):
    """补正: the record's fields as they stand, corrected; accepted only when the spec is met."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = CollectedRecord.objects.filter(
            instance_id=getattr(self.human_task, "instance_id", None)
        ).first()
        if self.item is not None:
            spec = services.type_spec(self.item.record_type)
            self.spec = spec
            self.fields.update(spec_fields(spec, prefix=PREFIX, initial=self.item.values))
        else:
            self.spec = {"fields": []}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = {
            f["name"]: data.get(f"{PREFIX}{f['name']}")
            for f in self.spec.get("fields", [])
            if data.get(f"{PREFIX}{f['name']}") not in (None, "")
        }
        cleaned, errors = record_types.validate_fields(self.spec, raw)
        if errors:
            errors_into(self, errors, prefix=PREFIX)
            return data
        return {
            **{f"{PREFIX}{k}": v for k, v in cleaned.items()},
            "valid": True,
            "archive_at": services.archive_at(self.spec, cleaned, services.today()),
        }


class ReviewRecordForm(TaskForm):
    """保密审查: publish as it is, or send it back for 补正 (masking is automatic either way)."""

    review_decision = forms.ChoiceField(
        label="审查结论", choices=[("approve", "同意公示"), ("return", "退回补正")]
    )
    review_reason = forms.CharField(label="退回理由", max_length=1000, required=False, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("review_decision") == "return" and not (data.get("review_reason") or "").strip():
            self.add_error("review_reason", "退回补正须填写理由")
        if data.get("review_decision") == "return":
            data["valid"] = False
        elif self.item is not None:  # published now: its period counts from today
            data["archive_at"] = services.archive_at(
                services.type_spec(self.item.record_type), self.item.values, services.today()
            )
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = CollectedRecord.objects.filter(
            instance_id=getattr(self.human_task, "instance_id", None)
        ).first()
