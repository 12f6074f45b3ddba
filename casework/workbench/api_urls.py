"""Task API routes and each lifecycle's API routes, mounted under ``/api/v1/`` by ``config/urls.py``."""

from django.urls import path

from . import api, extensions


def urlpatterns() -> list:
    return [
        path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
        path("tasks/<id:task_id>", api.TaskDetailView.as_view(), name="api-task"),
        path("tasks/<id:task_id>/claim", api.TaskActionView.as_view(action="claim"), name="api-task-claim"),
        path(
            "tasks/<id:task_id>/release",
            api.TaskActionView.as_view(action="release"),
            name="api-task-release",
        ),
        path(
            "tasks/<id:task_id>/complete",
            api.TaskActionView.as_view(action="complete"),
            name="api-task-complete",
        ),
        *extensions.api_urls(),
    ]
