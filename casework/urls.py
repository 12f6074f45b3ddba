"""The officer/supervisor web app, mounted in the viewflow frontend shell."""

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
    registration_entry_path = path(
        "registrations/new/", views.RegistrationEntryView.as_view(), name="registration-entry"
    )
    catalogue_path = path("catalogue/", views.CatalogueView.as_view(), name="catalogue")
    notice_path = path(
        "registrations/<id:registration_id>/notice/", views.NoticeView.as_view(), name="notice"
    )
    notice_pdf_path = path(
        "registrations/<id:registration_id>/notice.pdf", views.NoticePdfView.as_view(), name="notice-pdf"
    )
    escalations_path = path("escalations/", views.EscalationListView.as_view(), name="escalations")
    start_path = path("start/", views.StartDemoCaseView.as_view(), name="start")
