"""Admin for the 后置审批事项目录 (also imported from Excel on the catalogue page)."""

from django.contrib import admin

from .models import ApprovalItem


@admin.register(ApprovalItem)
class ApprovalItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "is_active", "updated"]
    list_filter = ["sector", "is_active"]
    search_fields = ["code", "name", "keywords"]

    @admin.display(description="更新时间", ordering="updated_at")
    def updated(self, obj):
        return obj.updated_at
