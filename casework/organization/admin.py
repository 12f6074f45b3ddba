"""Admin for sectors, administrative areas, departments and posts."""

from django.contrib import admin

from .models import Department, Division, Membership, Sector


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "division_code", "sector", "superior"]
    list_filter = ["kind", "level", "sector"]
    search_fields = ["code", "name", "division_code"]
    autocomplete_fields = ["parent", "sector"]
    inlines = [MembershipInline]

    @admin.display(description="上级部门", ordering="parent")
    def superior(self, obj):
        return obj.parent
