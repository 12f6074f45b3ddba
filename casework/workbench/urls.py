"""The workbench web app in the viewflow frontend shell: the inbox and task pages here, each
lifecycle's pages from ``extensions.web_urls()`` (pass them as ``urlpatterns``)."""

from django.urls import path
from viewflow.urls import Application

from . import views


class WorkbenchApp(Application):
    title = "办件工作台"
    icon = "inbox"
    app_name = "workbench"
    menu_template_name = "casework/menu.html"

    index_path = path("", views.HomeView.as_view(), name="index")
    queue_path = path("queue/", views.TaskListView.as_view(list_name="queue"), name="queue")
    bulk_claim_path = path("queue/claim/", views.BulkClaimView.as_view(), name="bulk-claim")
    mine_path = path("mine/", views.TaskListView.as_view(list_name="mine"), name="mine")
    overdue_path = path("overdue/", views.TaskListView.as_view(list_name="overdue"), name="overdue")
    done_path = path("done/", views.TaskListView.as_view(list_name="done"), name="done")
    task_path = path("tasks/<id:task_id>/", views.TaskDetailView.as_view(), name="task")
    diagram_path = path("tasks/<id:task_id>/diagram.bpmn", views.TaskDiagramView.as_view(), name="diagram")
    claim_path = path("tasks/<id:task_id>/claim/", views.TaskActionView.as_view(action="claim"), name="claim")
    release_path = path(
        "tasks/<id:task_id>/release/", views.TaskActionView.as_view(action="release"), name="release"
    )
    complete_path = path(
        "tasks/<id:task_id>/complete/", views.TaskActionView.as_view(action="complete"), name="complete"
    )
