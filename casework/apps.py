from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "协同监管业务"

    def ready(self) -> None:
        # Register with the engine: who may act, task forms, 效能督办 handlers.
        from . import permissions, registrations, routing, supervision, task_forms  # noqa: F401
