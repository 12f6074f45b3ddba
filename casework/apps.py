from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "协同监管业务"

    def ready(self) -> None:
        from . import supervision  # noqa: F401  registers the 效能督办 message handler
