"""Engine API routes: the calendar, deploy, 批量迁移, instance actions, incident retry."""

from django.urls import path

from .calendar import CalendarStatusView, DeadlineView
from .migrations import BatchCancelView, BatchStartView, BatchView
from .processes import DeployView, IncidentRetryView, InstanceActionView

urlpatterns = [
    path("calendar/deadline", DeadlineView.as_view(), name="api-calendar-deadline"),
    path("calendar/status", CalendarStatusView.as_view(), name="api-calendar-status"),
    path("processes/deploy", DeployView.as_view(), name="api-process-deploy"),
    path("processes/<str:key>/migrations", BatchStartView.as_view(), name="api-migration-start"),
    path("migrations/<id:batch_id>", BatchView.as_view(), name="api-migration"),
    path("migrations/<id:batch_id>/cancel", BatchCancelView.as_view(), name="api-migration-cancel"),
    path(
        "instances/<id:instance_id>/suspend",
        InstanceActionView.as_view(action="suspend"),
        name="api-instance-suspend",
    ),
    path(
        "instances/<id:instance_id>/resume",
        InstanceActionView.as_view(action="resume"),
        name="api-instance-resume",
    ),
    path(
        "instances/<id:instance_id>/terminate",
        InstanceActionView.as_view(action="terminate"),
        name="api-instance-terminate",
    ),
    path("incidents/<id:incident_id>/retry", IncidentRetryView.as_view(), name="api-incident-retry"),
]
