"""Studio pages: editor."""

urlpatterns: list = []
