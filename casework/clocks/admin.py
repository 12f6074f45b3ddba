"""Admin of the legal-clock rules: add a rule, revise one (a new version from a day on), see its history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from casework.errors import DomainError

from . import services
from .models import LegalClock

EDITABLE = ["days", "unit", "legal_basis", "basis_text", "seed", "valid_from", "change_reason"]


class RevisionForm(forms.ModelForm):
    """Changing a rule = saving a new version from ``valid_from``; the rule shown is not edited."""

    class Meta:
        model = LegalClock
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].label = "新版本生效日期"
        self.fields["valid_from"].help_text = "今天或以后；现行版本到前一天为止。已设定的时限不受影响"
        self.fields["change_reason"].required = True
        self.initial["valid_from"] = services.today()

    def clean(self):
        data = super().clean() or {}
        current = self.instance
        if current.valid_to is not None:
            raise forms.ValidationError("这是规则的历史版本，请修订现行版本")
        valid_from = data.get("valid_from")
        if valid_from is not None:
            if valid_from < services.today():
                self.add_error("valid_from", "生效日期不能早于今天：已设定的时限不会被悄悄改变")
            elif valid_from <= current.valid_from:
                self.add_error("valid_from", f"应晚于现行版本的生效日期 {current.valid_from}")
        return data


@admin.register(LegalClock)
class LegalClockAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "jurisdiction_name", "period", "legal_basis", "valid_from", "valid_to"]
    list_filter = ["key", "jurisdiction_name", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["key", "title", "jurisdiction_name", "legal_basis"]
    readonly_fields = ["versions"]

    @admin.display(description="时限")
    def period(self, obj: LegalClock) -> str:
        return f"{obj.days} {obj.get_unit_display()}"

    @admin.display(description="历史版本")
    def versions(self, obj: LegalClock) -> str:
        if obj.pk is None:
            return "—"
        rows = LegalClock.objects.filter(key=obj.key, jurisdiction=obj.jurisdiction).order_by("-valid_from")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} 起{}：{} {} · {}{}</li>",
                (
                    (
                        r.valid_from,
                        f" 至 {r.valid_to}" if r.valid_to else "（现行）",
                        r.days,
                        r.get_unit_display(),
                        r.legal_basis,
                        f" · 修订原因：{r.change_reason}" if r.change_reason else "",
                    )
                    for r in rows
                ),
            ),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = RevisionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["key", "title", "jurisdiction", "jurisdiction_name", *EDITABLE[:-1]]
        return ["versions", *EDITABLE]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                current = LegalClock.objects.get(pk=obj.pk)
                revised = services.revise_rule(
                    current,
                    actor=request.user,
                    days=data["days"],
                    unit=data["unit"],
                    legal_basis=data["legal_basis"],
                    basis_text=data.get("basis_text", ""),
                    seed=data.get("seed", ""),
                    valid_from=data["valid_from"],
                    change_reason=data["change_reason"],
                )
            else:
                revised = services.add_rule(
                    actor=request.user, **{f: data[f] for f in form.fields if f in data}
                )
        except DomainError as exc:  # the form checked it; a race lands here
            self.message_user(request, exc.message, level="error")
            return
        obj.pk = revised.pk  # the redirect and the "saved" message name the new version

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history is kept: a rule ends (失效日期), it is never deleted
