"""Notifications API routes, mounted under ``/api/v1/`` by ``config/urls.py``."""

from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread-count", api.UnreadCountView.as_view(), name="api-notifications-unread"),
    path("notifications/mark-read", api.MarkReadView.as_view(), name="api-notifications-read"),
]
