from django.contrib import admin

from .models import ApprovalItem, Department, EfficiencyViolation, Enterprise, Escalation, Membership, Sector


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "division_code", "sector", "parent"]
    list_filter = ["kind", "level", "sector"]
    search_fields = ["code", "name", "division_code"]
    autocomplete_fields = ["parent", "sector"]
    inlines = [MembershipInline]


@admin.register(ApprovalItem)
class ApprovalItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "is_active", "updated_at"]
    list_filter = ["sector", "is_active"]
    search_fields = ["code", "name", "keywords"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = [
        "credit_code",
        "name",
        "kind",
        "division_code",
        "status",
        "risk_class",
        "credit_code_warning",
    ]
    list_filter = ["kind", "status", "risk_class"]
    search_fields = ["credit_code", "name", "registration_number"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "level", "department_code", "human_task", "outcome", "decided_by"]
    list_filter = ["outcome", "level"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EfficiencyViolation)
class EfficiencyViolationAdmin(EscalationAdmin):
    list_display = ["recorded_at", "department_code", "human_task", "reason", "recorded_by"]
    list_filter = ["department_code"]
