"""归集公示 web pages (in the workbench's ``workbench:`` namespace) and REST routes."""

from django.urls import path

from .api import (
    ExchangeBatchAckView,
    ExchangeBatchDetailView,
    ExchangeBatchListView,
    RecordBatchIntakeView,
    RecordIntakeView,
)
from .api import RecordDetailView as RecordApiView
from .correction_views import CorrectionOpenView
from .exchange_views import BatchAckView, BatchDetailView, BatchDownloadView, BatchSendView, ExchangeView
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
    path("records/exchange/", ExchangeView.as_view(), name="exchange"),
    path("records/exchange/<slug:number>/", BatchDetailView.as_view(), name="exchange-batch"),
    path("records/exchange/<slug:number>/send/", BatchSendView.as_view(), name="exchange-batch-send"),
    path("records/exchange/<slug:number>/ack/", BatchAckView.as_view(), name="exchange-batch-ack"),
    path(
        "records/exchange/<slug:number>.xlsx",
        BatchDownloadView.as_view(),
        {"fmt": "xlsx"},
        name="exchange-batch-xlsx",
    ),
    path(
        "records/exchange/<slug:number>.json",
        BatchDownloadView.as_view(),
        {"fmt": "json"},
        name="exchange-batch-json",
    ),
]

api = [
    path("records", RecordIntakeView.as_view(), name="api-records"),
    path("records/batch", RecordBatchIntakeView.as_view(), name="api-records-batch"),
    path("records/<id:record_id>", RecordApiView.as_view(), name="api-record"),
    path("exchange/batches", ExchangeBatchListView.as_view(), name="api-exchange-batches"),
    path("exchange/batches/<slug:number>", ExchangeBatchDetailView.as_view(), name="api-exchange-batch"),
    path("exchange/batches/<slug:number>/ack", ExchangeBatchAckView.as_view(), name="api-exchange-batch-ack"),
]
