"""Admin of 归集公示: the format spec versions and the records (read-only: changes go through services)."""

import json

from django import forms
from django.contrib import admin

from . import services
from .models import CollectedRecord, ExchangeBatch, ExchangeItem, RecordFormat, RecordVersion


class RecordFormatForm(forms.ModelForm):
    """A new version of the spec: the current one as JSON to edit; checked before it is saved."""

    types = forms.JSONField(
        label="信息类别定义（JSON）",
        widget=forms.Textarea(attrs={"rows": 30, "style": "font-family: monospace; width: 100%"}),
        help_text="字段、类型、是否必填、代码表、是否个人信息、文书编号字段、产生日期字段、公示期限。保存即发布为新版本，已归集的信息仍按其报送时的版本。",
    )

    class Meta:
        model = RecordFormat
        fields = ["types", "note"]

    def clean_types(self):
        types = self.cleaned_data["types"]
        if not isinstance(types, list) or not all(isinstance(t, dict) for t in types):
            raise forms.ValidationError("应为信息类别的列表（JSON 数组，每项一个对象）")
        problems = services.record_types.spec_problems(types)
        if problems:
            raise forms.ValidationError(problems)
        return types

    def clean_note(self):
        note = (self.cleaned_data.get("note") or "").strip()
        if not note:
            raise forms.ValidationError("请说明本次修订的内容")
        return note


@admin.register(RecordFormat)
class RecordFormatAdmin(admin.ModelAdmin):
    """Versions are never edited: 增加 publishes a new one, starting from the current spec."""

    form = RecordFormatForm
    list_display = ["version", "note", "type_count", "created_at", "created_by"]

    @admin.display(description="类别数")
    def type_count(self, obj: RecordFormat) -> int:
        return len(obj.types or [])

    def get_changeform_initial_data(self, request):
        return {"types": json.dumps(services.current_format().types, ensure_ascii=False, indent=2)}

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.publish_format(
            types=form.cleaned_data["types"], note=form.cleaned_data["note"], actor=request.user, obj=obj
        )


class RecordVersionInline(admin.TabularInline):
    model = RecordVersion
    extra = 0
    can_delete = False
    readonly_fields = [
        "version",
        "credit_code",
        "enterprise_name",
        "produced_on",
        "values",
        "errors",
        "channel",
        "note",
        "submitted_by",
        "submitted_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CollectedRecord)
class CollectedRecordAdmin(admin.ModelAdmin):
    list_display = [
        "enterprise_name",
        "credit_code",
        "type_name",
        "document_number",
        "provider",
        "state",
        "collected_at",
    ]
    list_filter = ["state", "record_type", "channel", "late"]
    search_fields = ["enterprise_name", "credit_code", "document_number"]
    inlines = [RecordVersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ExchangeItemInline(admin.TabularInline):
    model = ExchangeItem
    fields = ["record", "version", "outcome", "reason", "answered_at"]
    readonly_fields = ["record", "version", "outcome", "reason", "answered_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExchangeBatch)
class ExchangeBatchAdmin(admin.ModelAdmin):
    """外地主体信息交换批次 (read-only: batches are made, sent and answered through the exchange page
    or the API).  The registration area's system account is a user with the permission
    “作为登记地系统接收外地主体信息交换批次” and an API token."""

    list_display = [
        "number",
        "target_name",
        "record_count",
        "state",
        "department",
        "created_at",
        "acknowledged_at",
    ]
    list_filter = ["state", "target_name"]
    search_fields = ["number", "target_name"]
    inlines = [ExchangeItemInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
