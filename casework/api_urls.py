from django.urls import path

from . import api
from .registration_api import RegistrationBatchIntakeView, RegistrationIntakeView

urlpatterns = [
    path("registrations", RegistrationIntakeView.as_view(), name="api-registrations"),
    path("registrations/batch", RegistrationBatchIntakeView.as_view(), name="api-registrations-batch"),
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<id:task_id>", api.TaskDetailView.as_view(), name="api-task"),
    path("tasks/<id:task_id>/claim", api.TaskActionView.as_view(action="claim"), name="api-task-claim"),
    path("tasks/<id:task_id>/release", api.TaskActionView.as_view(action="release"), name="api-task-release"),
    path(
        "tasks/<id:task_id>/complete",
        api.TaskActionView.as_view(action="complete"),
        name="api-task-complete",
    ),
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread-count", api.UnreadCountView.as_view(), name="api-notifications-unread"),
    path("notifications/mark-read", api.MarkReadView.as_view(), name="api-notifications-read"),
]
