"""Admin for the enterprise directory."""

from django.contrib import admin

from .models import Enterprise


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
