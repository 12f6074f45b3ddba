"""Admin of 归集公示: the format spec versions and the records (read-only: changes go through services)."""

from django.contrib import admin

from .models import CollectedRecord, RecordFormat, RecordVersion


@admin.register(RecordFormat)
class RecordFormatAdmin(admin.ModelAdmin):
    list_display = ["version", "note", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]


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
