"""Task completion forms: the ``TaskForm`` base, and the table of which form completes which
(process, BPMN task), filled by each lifecycle with ``register_task_form``.

The same form validates the web page's POST and the REST API's JSON: the engine calls the
registered validator inside the completing transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms

from processes import hooks
from processes.errors import InvalidTaskData


class TaskForm(forms.Form):
    """A task's completion form; knows the task it completes (for checks against the case)."""

    def __init__(self, *args: Any, human_task: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.human_task = human_task


_forms: dict[tuple[str, str], type[TaskForm]] = {}


def register_task_form(case_type: str, bpmn_id: str, form_class: type[TaskForm]) -> None:
    """``form_class`` completes ``bpmn_id`` of ``case_type``, on the page and through the API."""
    _forms[(case_type, bpmn_id)] = form_class
    hooks.register_form(case_type, bpmn_id)(_validator(form_class))


def form_for(case_type: str, bpmn_id: str) -> type[TaskForm] | None:
    return _forms.get((case_type, bpmn_id))


def registered_forms() -> dict[tuple[str, str], type[TaskForm]]:
    """Every registered task form by ``(case_type, form key)`` (the studio lists them)."""
    return dict(_forms)


def _validator(form_class: type[TaskForm]):
    def clean(human_task: Any, data: dict) -> dict:
        nested = sorted(k for k, v in data.items() if isinstance(v, dict | list))
        if nested:
            raise InvalidTaskData(
                "提交内容有误：字段值应为文本或数字", details={k: ["应为文本或数字"] for k in nested}
            )
        as_text = {k: v if isinstance(v, str) or v is None else str(v) for k, v in data.items()}
        form = form_class(data=as_text, human_task=human_task)
        if not form.is_valid():
            details = {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            first = next(iter(details.values()))[0]
            raise InvalidTaskData(f"提交内容有误：{first}", details=details)
        return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}

    return clean
