from django.apps import AppConfig


class ViewflowPeerConfig(AppConfig):
    name = "benchmarks.viewflow_peer"
    label = "viewflow_peer"
    verbose_name = "viewflow 对照流程（仅基准测试）"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Defining the flow class adds the auto-created task permissions and "manage" to
        # PushProcess._meta; post_migrate's create_permissions reads them from there.
        from . import flows  # noqa: F401
