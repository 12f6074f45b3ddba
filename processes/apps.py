"""The ``processes`` app: registers the ``<id:…>`` URL converter."""

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = "流程引擎"

    def ready(self) -> None:
        from django.urls import register_converter

        from config.converters import RowIdConverter

        register_converter(RowIdConverter, "id")  # <id:…> in every URL: bounded, never a 500
