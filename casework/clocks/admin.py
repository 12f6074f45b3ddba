"""Admin of the legal-clock rules: add a rule, revise one (a new version from a day on), see its history."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from casework.errors import DomainError
from casework.organization.models import Division

from . import services
from .models import LegalClock

EDITABLE = ["days", "unit", "legal_basis", "basis_text", "seed", "valid_from", "change_reason"]


WIDE = {
    name: forms.TextInput(attrs={"class": "xt-wide"})
    for name in ("title", "legal_basis", "seed", "change_reason")
}


class RevisionForm(forms.ModelForm):
    """Changing a rule = saving a new version from ``valid_from``; the rule shown is not edited."""

    class Meta:
        model = LegalClock
        fields = EDITABLE
        widgets = WIDE

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


class AddForm(forms.ModelForm):
    """A new rule: the area's name follows its code (行政区划), so the two cannot disagree."""

    class Meta:
        model = LegalClock
        fields = ["key", "title", "jurisdiction", "jurisdiction_name", *EDITABLE[:-1]]
        widgets = WIDE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction_name"].help_text = "按行政区划代码自动填写；区划表中没有的地区请手工填写"

    def clean(self):
        data = super().clean() or {}
        code = (data.get("jurisdiction") or "").strip()
        name = (data.get("jurisdiction_name") or "").strip()
        if not code:
            if name and name != "全国":
                self.add_error("jurisdiction", f"“{name}”的规则请填写其行政区划代码；留空为全国默认")
            data["jurisdiction_name"] = "全国"
        elif not (code.isdigit() and len(code) == 6):
            self.add_error("jurisdiction", "行政区划代码为 6 位数字，如 510800（广元市）")
        else:
            division = Division.objects.filter(code=code).first()
            if division is not None:
                data["jurisdiction_name"] = division.name
            elif not name or name == "全国":
                self.add_error("jurisdiction_name", f"请填写 {code} 的地区名称")
        return data


def _state(rule: LegalClock, on: date) -> str:
    if rule.valid_from > on:
        return "待生效"
    if rule.valid_to is not None and rule.valid_to < on:
        return "已失效"
    return "现行"


class StateFilter(admin.SimpleListFilter):
    title = "版本状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("current", "现行"), ("future", "待生效"), ("ended", "已失效")]

    def queryset(self, request, queryset):
        on = services.today()
        if self.value() == "current":
            return queryset.filter(valid_from__lte=on).exclude(valid_to__lt=on)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=on)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=on)
        return queryset


@admin.register(LegalClock)
class LegalClockAdmin(admin.ModelAdmin):
    list_display = ["name_and_key", "jurisdiction_name", "period", "legal_basis", "validity"]
    list_display_links = ["name_and_key"]
    list_filter = [StateFilter, "title", "jurisdiction_name"]
    search_fields = ["key", "title", "jurisdiction_name", "legal_basis"]
    readonly_fields = ["rule", "versions"]

    class Media:
        css = {"all": ["casework/legal-clocks-admin.css"]}

    @admin.display(description="时限名称", ordering="title")
    def name_and_key(self, obj: LegalClock) -> str:
        return format_html('{}<div class="help">{}</div>', obj.title, obj.key)

    @admin.display(description="时限")
    def period(self, obj: LegalClock) -> str:
        return format_html('<span class="nowrap">{} 个{}</span>', obj.days, obj.get_unit_display())

    @admin.display(description="有效期", ordering="valid_from")
    def validity(self, obj: LegalClock) -> str:
        until = f"至 {obj.valid_to}" if obj.valid_to else "起"
        return format_html(
            '{} {}<div class="help">{}</div>', obj.valid_from, until, _state(obj, services.today())
        )

    @admin.display(description="规则")
    def rule(self, obj: LegalClock) -> str:
        return format_html(
            '{} · {}<br><span class="quiet">规则键 {}（流程图中写作 clock("{}")）</span>',
            obj.title,
            obj.jurisdiction_name,
            obj.key,
            obj.key,
        )

    @admin.display(description="历史版本")
    def versions(self, obj: LegalClock) -> str:
        if obj.pk is None:
            return "—"
        rows = LegalClock.objects.filter(key=obj.key, jurisdiction=obj.jurisdiction).order_by("-valid_from")
        on = services.today()
        return format_html(
            '<ul class="xt-clock-versions" data-testid="clock-versions">{}</ul>',
            format_html_join(
                "",
                "<li><b>{}</b> {} {}：{} 个{} · {}{}</li>",
                (
                    (
                        _state(r, on),
                        r.valid_from,
                        f"至 {r.valid_to}" if r.valid_to else "起",
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
        if obj is None:
            kwargs["form"] = AddForm
        elif obj.valid_to is None:
            kwargs["form"] = RevisionForm
        # an ended version is shown read-only with the plain form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["key", "title", "jurisdiction", "jurisdiction_name", *EDITABLE[:-1]]
        if obj.valid_to is not None:  # an ended version is read, not revised
            return [
                "rule",
                "versions",
                "days",
                "unit",
                "legal_basis",
                "basis_text",
                "seed",
                "valid_from",
                "valid_to",
            ]
        return ["rule", "versions", *EDITABLE]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.valid_to is not None:
            return False  # a version that has an end is history: revise the version after it
        return super().has_change_permission(request, obj)

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return super().construct_change_message(request, form, formsets, add)
        data = form.cleaned_data
        return (
            f"新增版本：{data['valid_from']} 起 {data['days']} 个{LegalClock.Unit(data['unit']).label}"
            f"，{data['legal_basis']}；修订原因：{data['change_reason']}"
        )

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        note = getattr(request, "_legal_clock_saved", None)
        if note and level == messages.SUCCESS:
            message = note  # "成功修改了…" would hide that a new version was added and the old one kept
        super().message_user(request, message, level, extra_tags, fail_silently)

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
        if change:
            ended = revised.supersedes.valid_to if revised.supersedes else None
            request._legal_clock_saved = (  # type: ignore[attr-defined]
                f"已保存“{revised.title}（{revised.jurisdiction_name}）”的新版本：{revised.valid_from} 起 "
                f"{revised.days} 个{revised.get_unit_display()}；原版本到 {ended} 为止，已设定的时限不变"
            )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history is kept: a rule ends (失效日期), it is never deleted
