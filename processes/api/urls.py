from django.urls import path

from .calendar import DeadlineView

urlpatterns = [
    path("calendar/deadline", DeadlineView.as_view(), name="api-calendar-deadline"),
]
