"""The ``processes`` app: registers the ``<id:…>`` URL converter and the calendar deploy check."""

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = "流程引擎"

    def ready(self) -> None:
        from django.core import checks
        from django.urls import register_converter

        from config.converters import RowIdConverter

        from .calendar_coverage import check_deploy

        register_converter(RowIdConverter, "id")  # <id:…> in every URL: bounded, never a 500
        checks.register(check_deploy, "processes", deploy=True)  # next year's holiday table
