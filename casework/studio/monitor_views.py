"""Studio pages: monitor."""

urlpatterns: list = []
