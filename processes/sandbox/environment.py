"""The SpiffWorkflow side of the sandbox: the script environment every workflow runs with."""

from __future__ import annotations

import copy
import importlib
from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, cast

from simpleeval import DISALLOW_FUNCTIONS
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .checker import compiled_expression, compiled_script
from .interpreter import BreakLoop, ContinueLoop, Evaluator, ScriptError, ScriptRunner
from .rules import CALENDAR_FUNCTIONS, COMPOUND_CONSTRUCTORS, FORBIDDEN_NAMES, SAFE_BUILTINS, UnsafeExpression


class SafeTaskDataEnvironment(TaskDataEnvironment):
    """A ``TaskDataEnvironment`` that never calls ``eval`` / ``exec``.

    ``functions`` are the callable names visible to expressions and scripts *in addition to*
    the safe builtins (``SAFE_BUILTINS``); ``None`` means the business-calendar functions
    (``workdays``, ``clock``, ``add_workdays``, ``is_workday``).  As in SpiffWorkflow, task data must
    not contain keys named like a function: ``execute`` refuses to run on such data.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None):
        extra = dict(CALENDAR_FUNCTIONS if functions is None else functions)
        merged = {**SAFE_BUILTINS, **extra}
        for name, func in merged.items():
            if not name.isidentifier() or name.startswith("_") or name in FORBIDDEN_NAMES:
                raise ValueError(f"函数名“{name}”不允许使用")
            if not callable(func) or func in DISALLOW_FUNCTIONS:
                raise ValueError(f"“{name}”不能作为表达式函数")
        super().__init__(merged)
        self.function_names: frozenset[str] = frozenset(merged) | COMPOUND_CONSTRUCTORS

    def evaluate(self, expression, context, external_context=None):
        tree = compiled_expression(expression, self.function_names)
        if not isinstance(context, Mapping):
            raise TypeError("表达式的上下文必须是字典")
        self._prepare_context(context)
        # Only read through: a Mapping is enough (ChainMap is typed for mutable ones).
        names = ChainMap(cast("MutableMapping[str, Any]", context), dict(external_context or {}))
        result = Evaluator(self.globals, names).run(tree.body)
        if callable(result):
            raise UnsafeExpression("表达式的结果不能是函数")
        return result

    def execute(self, script, context, external_context=None):
        tree = compiled_script(script, self.function_names)
        self.check_for_overwrite(context, external_context or {})
        self._prepare_context(context)
        work = copy.deepcopy(dict(context))  # all or nothing: a failing script changes no data
        evaluator = Evaluator(self.globals, ChainMap(work, dict(external_context or {})))
        runner = ScriptRunner(evaluator, work)
        try:
            runner.block(tree.body)
        except (BreakLoop, ContinueLoop):  # pragma: no cover - the static check forbids them outside loops
            raise UnsafeExpression("break / continue 只能用在 for 循环中") from None
        except Exception as exc:
            if exc.args and not isinstance(exc.args[0], str):
                raise ScriptError(f"{type(exc).__name__}: {exc}") from exc
            raise
        context.update(work)
        self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def check_for_overwrite(self, context, external_context):
        clashes = set(self.globals).intersection(context)
        clashes.update(set(external_context).intersection(context))
        if clashes:
            names = "、".join(sorted(clashes))
            raise ValueError(f"任务数据中的名称与内置函数重名，请改用其他字段名：{names}")


class CaseScriptEngine(PythonScriptEngine):
    """Tells the functions which task an expression is evaluated for (a timer records its deadline)."""

    def evaluate(self, task, expression, external_context=None):
        with _deadlines().evaluating(task):
            return super().evaluate(task, expression, external_context)


def _deadlines() -> Any:
    # Imported on first use: the deadlines need Django, the sandbox itself must not.
    return importlib.import_module("processes.deadlines")


def make_script_engine(extra_functions: dict | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine that evaluates with ``SafeTaskDataEnvironment``.

    ``extra_functions`` are added to the business-calendar functions and the safe builtins.
    Functions are not serialized with a workflow: set ``wf.script_engine`` again after loading.
    """
    functions = {**CALENDAR_FUNCTIONS, **(extra_functions or {})}
    return CaseScriptEngine(environment=SafeTaskDataEnvironment(functions))
