"""双告知 web pages (in the workbench's ``workbench:`` namespace) and REST routes."""

from django.urls import path

from .api import RegistrationBatchIntakeView, RegistrationIntakeView
from .views import CatalogueView, NoticePdfView, NoticeView, RegistrationEntryView, RegistrationListView

web = [
    path("registrations/", RegistrationListView.as_view(), name="registrations"),
    path("registrations/new/", RegistrationEntryView.as_view(), name="registration-entry"),
    path("catalogue/", CatalogueView.as_view(), name="catalogue"),
    path("registrations/<id:registration_id>/notice/", NoticeView.as_view(), name="notice"),
    path("registrations/<id:registration_id>/notice.pdf", NoticePdfView.as_view(), name="notice-pdf"),
]

api = [
    path("registrations", RegistrationIntakeView.as_view(), name="api-registrations"),
    path("registrations/batch", RegistrationBatchIntakeView.as_view(), name="api-registrations-batch"),
]
