"""Unread notification count for the page header."""


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from .models import Notification

    return {"unread_notifications": Notification.objects.inbox_of(user).filter(read_at__isnull=True).count()}
