"""更正 forms: the provider's 提交更正申请 (every field of the record, prefilled, checked by the
spec's one validation) and 市场监管's 审核更正."""

from __future__ import annotations

from typing import Any

from django import forms

from casework.workbench.forms import TaskForm

from . import correction, record_types, services
from .forms import PREFIX, errors_into, spec_fields
from .models import CollectedRecord, RecordCorrection

Decision = RecordCorrection.Decision


class OpenCorrectionForm(forms.Form):
    """发现错误，申请更正 (record page): what is wrong; the operator may take in a waiting objection."""

    reason = forms.CharField(
        label="发现的错误", max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000})
    )
    objection = forms.TypedChoiceField(label="对应的公众异议", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, objections: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        objections = objections or []
        if objections:
            self.fields["objection"].choices = [  # type: ignore[attr-defined]
                ("", "不对应异议（平台运营方发起）"),
                *[(o.pk, f"{o.number}：{o.description[:30]}") for o in objections],
            ]
            self.fields["reason"].required = False
            self.fields["reason"].help_text = "对应异议时可不填，以异议内容为准"
        else:
            del self.fields["objection"]


class SubmitCorrectionForm(TaskForm):
    """提交更正申请: 提交更正 with the corrected fields (all of them, prefilled) or 核实无误."""

    correction_decision = forms.ChoiceField(
        label="办理意见",
        choices=[("", "请选择"), (Decision.CORRECT, "提交更正（按下列内容更正）"), (Decision.CONFIRM, "核实无误，不需更正")],
    )  # fmt: skip
    correction_note = forms.CharField(
        label="更正说明 / 核实情况",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将告知异议人，请写明更正了什么或核实的依据",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.correction = (
            RecordCorrection.objects.filter(instance_id=getattr(self.human_task, "instance_id", None))
            .select_related("record")
            .first()
        )
        self.spec: dict = {"fields": []}
        if self.correction is not None:
            item = self.correction.record
            self.spec = services.type_spec(item.record_type)
            # Sent back by 市场监管: the officer's last proposal, else the record as published.
            initial = self.correction.proposed or item.values
            self.fields.update(spec_fields(self.spec, prefix=PREFIX, initial=initial))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("correction_decision")
        note = (data.get("correction_note") or "").strip()
        base = {"correction_decision": decision, "correction_note": note}
        if decision != Decision.CORRECT or self.correction is None:
            return base  # 核实无误: the fields are not kept
        raw = {
            f["name"]: data.get(f"{PREFIX}{f['name']}")
            for f in self.spec.get("fields", [])
            if data.get(f"{PREFIX}{f['name']}") not in (None, "")
        }
        cleaned, errors = record_types.validate_fields(self.spec, raw)
        if errors:
            errors_into(self, errors, prefix=PREFIX)
            return data
        item = self.correction.record
        if not correction.changes(item.values, cleaned):
            self.add_error("correction_decision", "内容与现公示的相同：如经核实无误，请选择“核实无误”")
            return data
        document_field = self.spec["document_field"]
        number = str(cleaned.get(document_field) or "").strip()
        taken = (
            CollectedRecord.objects.filter(
                provider_id=item.provider_id, record_type=item.record_type, document_number=number
            )
            .exclude(pk=item.pk)
            .exists()
        )
        if taken:
            self.add_error(f"{PREFIX}{document_field}", "本部门已报送过这个文书编号的另一条信息")
            return data
        return {**base, **{f"{PREFIX}{k}": v for k, v in cleaned.items()}}


class ReviewCorrectionForm(TaskForm):
    """审核更正: agree (the correction is applied, or 核实无误 answered) or send it back with a reason."""

    correction_review = forms.ChoiceField(
        label="审核结论",
        choices=[("", "请选择"), (correction.AGREE, "同意"), (correction.SEND_BACK, "退回提供部门")],
    )
    correction_review_reason = forms.CharField(
        label="退回理由", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = (data.get("correction_review_reason") or "").strip()
        if data.get("correction_review") == correction.SEND_BACK and not reason:
            self.add_error("correction_review_reason", "退回须填写理由")
        data["correction_review_reason"] = reason
        return data
