"""Studio pages: version."""

urlpatterns: list = []
