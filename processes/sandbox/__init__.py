"""Restricted evaluation of BPMN expressions and scripts.

Process admins edit diagrams in the browser, so every expression in a diagram is untrusted
input.  SpiffWorkflow 3.2.0 sends all of them through the script environment:

* ``environment.evaluate(expression, context, external_context)`` — gateway conditions,
  timer expressions, loop / multi-instance cardinality and completion conditions, message
  payloads and correlation retrieval expressions, conditional events, service parameters;
* ``environment.execute(script, context, external_context)`` — script tasks and the
  ``spiffworkflow:preScript`` / ``postScript`` of any task.

The stock ``TaskDataEnvironment`` uses plain ``eval``/``exec``.  ``SafeTaskDataEnvironment``
replaces both: expressions go through simpleeval (``EvalWithCompoundTypes``) with a
whitelist of functions and of attributes per data type, and scripts are interpreted
statement by statement from their ``ast`` (assignment, augmented assignment, ``if``,
expression statements, ``pass`` and bounded ``for`` loops only).  Every source is first
checked statically by the same rules that ``check_expression`` / ``check_script`` apply
at deploy time, so a diagram that passed validation behaves the same way at run time.

Errors are ordinary exceptions: SpiffWorkflow's ``PythonScriptEngine`` wraps them into a
``WorkflowTaskException`` that carries the task.

The package holds it by subject: ``rules`` (limits, errors, allowed names, attributes and
operators, bounded helpers, the default functions), ``checker`` (the static check),
``interpreter`` (the evaluator and the script runner) and ``environment`` (the SpiffWorkflow
environment and script engine).
"""

from .checker import check_expression, check_script
from .environment import SafeTaskDataEnvironment, make_script_engine
from .interpreter import ScriptError
from .rules import (
    DEFAULT_FUNCTION_NAMES,
    ExpressionLimitExceeded,
    UnsafeExpression,
    default_functions,
)

__all__ = [
    "DEFAULT_FUNCTION_NAMES",
    "ExpressionLimitExceeded",
    "SafeTaskDataEnvironment",
    "ScriptError",
    "UnsafeExpression",
    "check_expression",
    "check_script",
    "default_functions",
    "make_script_engine",
]
