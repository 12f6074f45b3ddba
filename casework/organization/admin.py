"""Admin for sectors, departments and posts."""

from django.contrib import admin

from .models import Department, Membership, Sector


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
