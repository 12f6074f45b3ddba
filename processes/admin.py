"""Admin for the engine's tables (read-only) with the incident retry action; ReadOnlyAdmin for the domain's records too."""

from django.contrib import admin, messages

from . import (
    calendar_admin,  # noqa: F401  registers the holiday tables
    engine,
    hooks,
)
from .errors import UserFacingError
from .models import AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance, ProcessVersion

# The admin's own title bar and browser tab ("Django 管理" otherwise).
admin.site.site_header = "部门协同监管平台 · 后台管理"
admin.site.site_title = "部门协同监管平台后台"
admin.site.index_title = "后台管理"


@admin.display(description="编号", ordering="pk")
def number(obj) -> str:
    """The row's id as a column headed in Chinese (``"pk"`` would read "Pk")."""
    return str(obj.pk)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["key", "name"]


@admin.register(ProcessVersion)
class ProcessVersionAdmin(ReadOnlyAdmin):
    list_display = ["definition", "version", "is_active", "deployed_at", "deployed_by", "sha256"]
    list_filter = ["is_active"]


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = [number, "case_type", "business_key", "title", "status", "next_timer_at", "updated_at"]
    list_filter = ["status", "case_type"]
    search_fields = ["business_key", "title"]
    exclude = ["state"]


@admin.register(HumanTask)
class HumanTaskAdmin(ReadOnlyAdmin):
    list_display = [
        number,
        "name",
        "case_type",
        "candidate_department",
        "assignee",
        "state",
        "due_at",
        "escalation_level",
    ]
    list_filter = ["state", "case_type", "candidate_department"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = [
        number,
        "instance",
        "action",
        "task_bpmn_id",
        "status",
        "retries",
        "created_at",
        "message",
    ]
    list_filter = ["status", "action"]
    actions = ["retry"]

    @admin.action(description="重试所选流程异常")
    def retry(self, request, queryset):
        if not hooks.is_process_admin(request.user):
            self.message_user(request, "仅流程管理员可以重试流程异常", level=messages.ERROR)
            return
        for incident in queryset.filter(status=Incident.Status.OPEN):
            try:
                engine.retry_incident(incident_id=incident.pk, actor=request.user)
            except UserFacingError as exc:
                self.message_user(request, f"#{incident.pk}: {exc.message}", level=messages.ERROR)
                continue
            incident.refresh_from_db()
            level = messages.SUCCESS if incident.status == Incident.Status.RESOLVED else messages.WARNING
            self.message_user(request, f"#{incident.pk}: {incident.get_status_display()}", level=level)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "instance", "human_task"]
    list_filter = ["action"]
