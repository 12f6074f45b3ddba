"""归集公示 web pages (in the workbench's ``workbench:`` namespace)."""

from django.urls import path

from .views import RecordDetailView, RecordEntryView, RecordListView, RecordWithdrawView

web = [
    path("records/", RecordListView.as_view(), name="records"),
    path("records/new/", RecordEntryView.as_view(), name="record-entry"),
    path("records/<id:record_id>/", RecordDetailView.as_view(), name="record"),
    path("records/<id:record_id>/withdraw/", RecordWithdrawView.as_view(), name="record-withdraw"),
]
