"""Admin (read-only) for escalations and efficiency violations: the supervisors' records."""

from django.contrib import admin

from processes.admin import ReadOnlyAdmin

from .models import EfficiencyViolation, Escalation


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "level", "department_code", "supervised_task", "outcome", "decider"]
    list_filter = ["outcome", "level"]

    @admin.display(description="被督办任务", ordering="human_task")
    def supervised_task(self, obj):
        return obj.human_task

    @admin.display(description="决定人", ordering="decided_by")
    def decider(self, obj):
        return obj.decided_by


@admin.register(EfficiencyViolation)
class EfficiencyViolationAdmin(EscalationAdmin):
    list_display = ["recorded_at", "department_code", "supervised_task", "reason", "recorder"]
    list_filter = ["department_code"]

    @admin.display(description="认定人", ordering="recorded_by")
    def recorder(self, obj):
        return obj.recorded_by
