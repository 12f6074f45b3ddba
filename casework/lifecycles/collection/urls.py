"""归集公示 web pages (in the workbench's ``workbench:`` namespace) and REST routes."""

from django.urls import path

from .api import RecordBatchIntakeView, RecordIntakeView
from .api import RecordDetailView as RecordApiView
from .correction_views import CorrectionOpenView
from .import_views import (
    ImportJobView,
    ImportProgressView,
    ImportReportView,
    ImportTemplateView,
    ImportView,
)
from .views import RecordDetailView, RecordEntryView, RecordListView, RecordWithdrawView

web = [
    path("records/", RecordListView.as_view(), name="records"),
    path("records/new/", RecordEntryView.as_view(), name="record-entry"),
    path("records/<id:record_id>/", RecordDetailView.as_view(), name="record"),
    path("records/<id:record_id>/withdraw/", RecordWithdrawView.as_view(), name="record-withdraw"),
    path("records/<id:record_id>/correct/", CorrectionOpenView.as_view(), name="record-correct"),
    path("records/import/", ImportView.as_view(), name="record-import"),
    path(
        "records/import/template/<slug:record_type>.xlsx",
        ImportTemplateView.as_view(),
        name="record-import-template",
    ),
    path("records/import/<id:job_id>/", ImportJobView.as_view(), name="record-import-job"),
    path("records/import/<id:job_id>/progress", ImportProgressView.as_view(), name="record-import-progress"),
    path("records/import/<id:job_id>/report.xlsx", ImportReportView.as_view(), name="record-import-report"),
]

api = [
    path("records", RecordIntakeView.as_view(), name="api-records"),
    path("records/batch", RecordBatchIntakeView.as_view(), name="api-records-batch"),
    path("records/<id:record_id>", RecordApiView.as_view(), name="api-record"),
]
