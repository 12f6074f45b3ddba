"""Studio pages: migration."""

urlpatterns: list = []
