"""Admin (read-only) for escalations and efficiency violations: the supervisors' records."""

from django.contrib import admin

from processes.admin import ReadOnlyAdmin

from .models import EfficiencyViolation, Escalation


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "level", "department_code", "human_task", "outcome", "decided_by"]
    list_filter = ["outcome", "level"]


@admin.register(EfficiencyViolation)
class EfficiencyViolationAdmin(EscalationAdmin):
    list_display = ["recorded_at", "department_code", "human_task", "reason", "recorded_by"]
    list_filter = ["department_code"]
