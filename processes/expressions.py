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
"""

from __future__ import annotations

import ast
import copy
import importlib
import itertools
import re
import textwrap
import types
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, Sized
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from simpleeval import (
    DEFAULT_OPERATORS,
    DISALLOW_FUNCTIONS,
    DISALLOW_METHODS,
    MAX_STRING_LENGTH,
    EvalWithCompoundTypes,
    FeatureNotAvailable,
    IterableTooLong,
    NameNotDefined,
    NumberTooHigh,
    safe_add,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

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

# ---------------------------------------------------------------------------
# Limits (per call of evaluate / execute)

MAX_SOURCE_LENGTH = 20_000  # characters of one expression or script
MAX_AST_DEPTH = 60  # nesting of the syntax tree
MAX_AST_NODES = 5_000  # size of the syntax tree
MAX_STEPS = 200_000  # syntax-tree nodes evaluated (bounds CPU time)
MAX_WORK = 5_000_000  # elements built, copied, compared or passed to functions
MAX_LOOP_ITERATIONS = 10_000  # all ``for`` iterations of one script together
MAX_RANGE = 10_000  # len(range(...))
MAX_STRING = MAX_STRING_LENGTH  # simpleeval's limit: 100 000 characters
MAX_INT_BITS = 20_000  # about 6 000 decimal digits
MAX_FORMAT_NUMBER = 200  # widths / precisions in f-string format specs


class UnsafeExpression(Exception):
    """An expression or script uses something outside the allowed subset.

    ``reason`` is a Chinese message for process admins.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ExpressionLimitExceeded(UnsafeExpression):
    """An expression or script exceeded a resource limit (size, steps, iterations)."""


# ---------------------------------------------------------------------------
# Whitelisted functions


def _calendar() -> Any:
    # Imported on first use: the calendar needs Django models, this module must not.
    return importlib.import_module("processes.business_calendar")


def workdays(n: int, now: datetime | None = None) -> str:
    """ISO-8601 deadline ``n`` working days from today (see ``processes.business_calendar``)."""
    return _calendar().workdays(n, now)


def add_workdays(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (see ``processes.business_calendar``)."""
    return _calendar().add_workdays(start, n)


def is_workday(d: date) -> bool:
    """Whether ``d`` is a working day (see ``processes.business_calendar``)."""
    return _calendar().is_workday(d)


def bounded_round(number: Any, ndigits: int | None = None) -> Any:
    """``round`` with at most 100 digits (``round(5, -10**9)`` would compute 10**(10**9))."""
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > 100:
        raise ExpressionLimitExceeded("round 的位数不能超过 100")
    return round(number, ndigits)


def bounded_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    """``sum`` of numbers only (summing lists or strings is quadratic)."""
    if not isinstance(start, int | float | Decimal):
        raise UnsafeExpression("sum 只能用于数字，请用 + 连接列表")
    return sum(iterable, start)


def bounded_range(*args: int) -> range:
    """``range`` limited to ``MAX_RANGE`` elements."""
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ExpressionLimitExceeded(f"range 的长度不能超过 {MAX_RANGE}")
    return result


SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": bounded_round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sorted": sorted,
    "sum": bounded_sum,
    "any": any,
    "all": all,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "range": bounded_range,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}

CALENDAR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "workdays": workdays,
    "add_workdays": add_workdays,
    "is_workday": is_workday,
}


def default_functions() -> dict[str, Callable[..., Any]]:
    """Safe builtins plus the business-calendar functions."""
    return {**SAFE_BUILTINS, **CALENDAR_FUNCTIONS}


DEFAULT_FUNCTION_NAMES: frozenset[str] = frozenset(default_functions())

# Names that are refused wherever they appear (even as plain variables).
FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {
        "__import__",
        "__builtins__",
        "aiter",
        "anext",
        "breakpoint",
        "callable",
        "classmethod",
        "compile",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "hasattr",
        "help",
        "id",
        "input",
        "isinstance",
        "issubclass",
        "iter",
        "locals",
        "memoryview",
        "next",
        "object",
        "open",
        "property",
        "quit",
        "repr",
        "setattr",
        "staticmethod",
        "super",
        "type",
        "vars",
    }
)

FORBIDDEN_ATTRS: frozenset[str] = frozenset(DISALLOW_METHODS) | {
    "format",
    "format_map",
    "mro",
    "gi_code",
    "f_globals",
    "f_locals",
    "f_back",
    "co_code",
}


# Attributes allowed per exact type of the object (opt-in, like simpleeval's allowed_attrs,
# minus methods that can build huge values from small inputs: ljust, zfill, to_bytes...).
def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_INT_ATTRS = _names("bit_length conjugate denominator imag numerator real")
_DATE_ATTRS = _names(
    "year month day weekday isoweekday isoformat isocalendar replace strftime toordinal ctime"
)
ALLOWED_ATTRS: dict[type, frozenset[str]] = {
    int: _INT_ATTRS,
    bool: _INT_ATTRS,
    float: _names("as_integer_ratio conjugate hex imag is_integer real"),
    Decimal: _names("quantize to_integral_value normalize is_zero is_signed"),
    str: _names(
        """capitalize casefold count endswith find index isalnum isalpha isascii isdecimal isdigit islower
        isnumeric isspace istitle isupper join lower lstrip partition removeprefix removesuffix replace rfind
        rindex rpartition rsplit rstrip split splitlines startswith strip swapcase title upper"""
    ),
    dict: _names("get items keys values copy pop setdefault update clear"),
    list: _names("append index count copy insert remove pop reverse sort clear"),
    tuple: _names("index count"),
    set: _names(
        """add discard remove pop copy clear union intersection difference symmetric_difference issubset
        issuperset isdisjoint update intersection_update difference_update symmetric_difference_update"""
    ),
    date: _DATE_ATTRS,
    datetime: _DATE_ATTRS | _names("hour minute second microsecond date time timestamp astimezone utcoffset"),
    timedelta: _names("days seconds microseconds total_seconds"),
}
# Class-level constructors reachable through the whitelisted ``date`` / ``datetime`` names.
ALLOWED_CLASS_ATTRS: dict[type, frozenset[str]] = {
    date: _names("today fromisoformat fromordinal"),
    datetime: _names("today now fromisoformat combine strptime"),
    timedelta: frozenset(),
}

# EvalWithCompoundTypes always adds these constructors to the functions.
_COMPOUND_CONSTRUCTORS = frozenset({"list", "tuple", "dict", "set"})

_ALLOWED_BINOPS = (
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift,
    ast.BitOr, ast.BitXor, ast.BitAnd,
)  # fmt: skip
_ALLOWED_UNARYOPS = (ast.Not, ast.USub, ast.UAdd, ast.Invert)
_ALLOWED_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn)

# ---------------------------------------------------------------------------
# Operators with size limits


def _int_bits(value: Any) -> int | None:
    if isinstance(value, int):
        return abs(value).bit_length()
    return None


def _limit(message: str) -> ExpressionLimitExceeded:
    return ExpressionLimitExceeded(message)


def _safe_power(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if b > 0 and abs(a) > 1 and b * abs(a).bit_length() > MAX_INT_BITS:
            raise _limit("幂运算结果过大")
    elif isinstance(b, int | float | Decimal) and abs(float(b)) > 10_000:
        raise _limit("幂运算的指数过大")
    return a**b


def _safe_mult(a: Any, b: Any) -> Any:
    a_bits, b_bits = _int_bits(a), _int_bits(b)
    if a_bits is not None and b_bits is not None:
        if a_bits + b_bits > MAX_INT_BITS:
            raise _limit("乘法结果过大")
        return a * b
    for seq, times in ((a, b), (b, a)):
        if hasattr(seq, "__len__") and isinstance(times, int) and times * len(seq) > MAX_STRING:
            raise _limit(f"重复后的长度不能超过 {MAX_STRING}")
    return a * b


def _safe_lshift(a: Any, b: Any) -> Any:
    a_bits = _int_bits(a)
    if a_bits is not None and isinstance(b, int) and a_bits + b > MAX_INT_BITS:
        raise _limit("移位结果过大")
    return a << b


def _safe_mod(a: Any, b: Any) -> Any:
    if isinstance(a, str | bytes):
        raise UnsafeExpression("不支持用 % 格式化字符串，请使用 f-string")
    return a % b


OPERATORS: dict[type, Callable[..., Any]] = {
    **DEFAULT_OPERATORS,
    ast.Add: safe_add,
    ast.Mult: _safe_mult,
    ast.Pow: _safe_power,
    ast.LShift: _safe_lshift,
    ast.Mod: _safe_mod,
}
OPERATORS.pop(ast.MatMult, None)


def _check_size(value: Any) -> None:
    if isinstance(value, str | bytes) and len(value) > MAX_STRING:
        raise _limit(f"字符串长度不能超过 {MAX_STRING}")
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        raise _limit("整数过大")


# Wrappers for string methods whose result size must be checked before it is built.


def _bounded_join(sep: str) -> Callable[[Iterable[Any]], str]:
    def join(iterable: Iterable[Any]) -> str:
        parts = list(itertools.islice(iterable, MAX_STRING + 1))
        if len(parts) > MAX_STRING:
            raise _limit(f"字符串长度不能超过 {MAX_STRING}")
        size = len(sep) * max(len(parts) - 1, 0) + sum(len(p) for p in parts if isinstance(p, str))
        if size > MAX_STRING:
            raise _limit(f"字符串长度不能超过 {MAX_STRING}")
        return sep.join(parts)

    return join


def _bounded_replace(text: str) -> Callable[..., str]:
    def replace(old: str, new: str, count: int = -1) -> str:
        if not isinstance(old, str) or not isinstance(new, str):
            return text.replace(old, new, count)  # raises the usual TypeError
        hits = text.count(old) if old else len(text) + 1
        if count >= 0:
            hits = min(hits, count)
        if len(text) + hits * (len(new) - len(old)) > MAX_STRING:
            raise _limit(f"字符串长度不能超过 {MAX_STRING}")
        return text.replace(old, new, count)

    return replace


_FORMAT_NUMBER = re.compile(r"\d+")

# Nodes whose result is a newly built value (its size is charged as work).
_CONSTRUCTIVE = (
    ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.GeneratorExp, ast.DictComp,
    ast.JoinedStr,
)  # fmt: skip

# ---------------------------------------------------------------------------
# Static checks (deploy time and, again, before every run)


class _Checker:
    """Walks an ``ast`` tree and raises ``UnsafeExpression`` on anything outside the subset."""

    def __init__(self, functions: frozenset[str]):
        self.functions = functions | _COMPOUND_CONSTRUCTORS
        self.nodes = 0
        self.script = False

    # -- helpers
    def _fail(self, node: ast.AST | None, reason: str) -> UnsafeExpression:
        lineno = getattr(node, "lineno", None)
        if self.script and lineno is not None:
            reason = f"第 {lineno} 行：{reason}"
        return UnsafeExpression(reason)

    def _count(self, node: ast.AST, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_AST_NODES:
            raise ExpressionLimitExceeded("表达式或脚本过长")
        if depth > MAX_AST_DEPTH:
            raise ExpressionLimitExceeded("表达式嵌套层数过多")

    def _name(self, node: ast.AST, name: str) -> None:
        if name.startswith("__"):
            raise self._fail(node, f"禁止使用以双下划线开头的名称“{name}”")
        if name in FORBIDDEN_NAMES:
            raise self._fail(node, f"禁止使用“{name}”")

    # -- entry points
    def check_expression(self, tree: ast.Expression) -> None:
        self.script = False
        self.expr(tree.body, 1)

    def check_script(self, tree: ast.Module) -> None:
        self.script = True
        self.block(tree.body, 1, in_loop=False)

    # -- expressions
    def expr(self, node: ast.AST, depth: int) -> None:  # noqa: C901 - one branch per node type
        self._count(node, depth)
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes) and len(node.value) > MAX_STRING:
                raise ExpressionLimitExceeded("字符串常量过长")
        elif isinstance(node, ast.Name):
            self._name(node, node.id)
        elif isinstance(node, ast.Attribute):
            self._attribute(node, d)
        elif isinstance(node, ast.Subscript):
            self.expr(node.value, d)
            self.expr(node.slice, d)
        elif isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expr(part, d)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expr(value, d)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ALLOWED_BINOPS):
                raise self._fail(node, f"不支持的运算符：{type(node.op).__name__}")
            self.expr(node.left, d)
            self.expr(node.right, d)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _ALLOWED_UNARYOPS):
                raise self._fail(node, f"不支持的运算符：{type(node.op).__name__}")
            self.expr(node.operand, d)
        elif isinstance(node, ast.Compare):
            for cmp_op in node.ops:
                if not isinstance(cmp_op, _ALLOWED_CMPOPS):
                    raise self._fail(node, f"不支持的比较运算符：{type(cmp_op).__name__}")
            self.expr(node.left, d)
            for comparator in node.comparators:
                self.expr(comparator, d)
        elif isinstance(node, ast.IfExp):
            self.expr(node.test, d)
            self.expr(node.body, d)
            self.expr(node.orelse, d)
        elif isinstance(node, ast.Call):
            self._call(node, d)
        elif isinstance(node, ast.List):
            for elt in node.elts:
                self.expr(elt.value if isinstance(elt, ast.Starred) else elt, d)
        elif isinstance(node, ast.Tuple | ast.Set):
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    raise self._fail(elt, "只能在列表中使用 * 展开")
                self.expr(elt, d)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None:
                    self.expr(key, d)
                self.expr(value, d)
        elif isinstance(node, ast.ListComp | ast.GeneratorExp):
            self._comprehension(node.generators, d)
            self.expr(node.elt, d)
        elif isinstance(node, ast.DictComp):
            self._comprehension(node.generators, d)
            self.expr(node.key, d)
            self.expr(node.value, d)
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                self.expr(value, d)
        elif isinstance(node, ast.FormattedValue):
            self.expr(node.value, d)
            if node.format_spec is not None:
                self.expr(node.format_spec, d)
        elif isinstance(node, ast.Lambda):
            raise self._fail(node, "禁止使用 lambda 表达式")
        elif isinstance(node, ast.NamedExpr):
            raise self._fail(node, "禁止使用海象运算符（:=）")
        elif isinstance(node, ast.SetComp):
            raise self._fail(node, "不支持集合推导式，请改用 set([...])")
        elif isinstance(node, ast.Await | ast.Yield | ast.YieldFrom):
            raise self._fail(node, "禁止使用 await / yield")
        elif isinstance(node, ast.Starred):
            raise self._fail(node, "只能在列表中使用 * 展开")
        else:
            raise self._fail(node, f"不支持的语法：{type(node).__name__}")

    def _attribute(self, node: ast.Attribute, depth: int) -> None:
        if node.attr.startswith("_") or node.attr.startswith("func_"):
            raise self._fail(node, f"禁止访问以下划线开头的属性“{node.attr}”")
        if node.attr in FORBIDDEN_ATTRS:
            raise self._fail(node, f"禁止访问属性“{node.attr}”")
        self.expr(node.value, depth)

    def _call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self._name(func, func.id)
            if func.id not in self.functions:
                allowed = "、".join(sorted(self.functions))
                raise self._fail(node, f"不允许调用函数“{func.id}”（可用函数：{allowed}）")
        elif isinstance(func, ast.Attribute):
            self._attribute(func, depth)
        else:
            raise self._fail(node, "只能调用允许的函数或数据的方法")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._fail(arg, "调用函数时不支持 * 展开参数")
            self.expr(arg, depth)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self._fail(node, "调用函数时不支持 ** 展开参数")
            self.expr(keyword.value, depth)

    def _comprehension(self, generators: list[ast.comprehension], depth: int) -> None:
        for gen in generators:
            if gen.is_async:
                raise self._fail(gen.target, "禁止使用异步推导式")
            self._loop_target(gen.target, depth)
            self.expr(gen.iter, depth)
            for cond in gen.ifs:
                self.expr(cond, depth)

    def _loop_target(self, target: ast.AST, depth: int) -> None:
        self._count(target, depth)
        if isinstance(target, ast.Name):
            self._name(target, target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._loop_target(elt, depth + 1)
        else:
            raise self._fail(target, "循环变量只能是名称或名称的元组")

    # -- statements
    def block(self, body: list[ast.stmt], depth: int, *, in_loop: bool) -> None:
        for stmt in body:
            self.stmt(stmt, depth, in_loop=in_loop)

    def stmt(self, node: ast.stmt, depth: int, *, in_loop: bool) -> None:  # noqa: C901
        self._count(node, depth)
        d = depth + 1
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target, d)
            self.expr(node.value, d)
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name | ast.Subscript):
                raise self._fail(node, "增量赋值的目标只能是变量或下标")
            if not isinstance(node.op, _ALLOWED_BINOPS):
                raise self._fail(node, f"不支持的运算符：{type(node.op).__name__}")
            self.target(node.target, d)
            self.expr(node.value, d)
        elif isinstance(node, ast.If):
            self.expr(node.test, d)
            self.block(node.body, d, in_loop=in_loop)
            self.block(node.orelse, d, in_loop=in_loop)
        elif isinstance(node, ast.Expr):
            self.expr(node.value, d)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.For):
            self._loop_target(node.target, d)
            self.expr(node.iter, d)
            self.block(node.body, d, in_loop=True)
            self.block(node.orelse, d, in_loop=in_loop)
        elif isinstance(node, ast.Break | ast.Continue):
            if not in_loop:
                raise self._fail(node, "break / continue 只能用在 for 循环中")
        else:
            raise self._fail(node, _STATEMENT_REASONS.get(type(node), f"不允许的语句：{type(node).__name__}"))

    def target(self, node: ast.AST, depth: int) -> None:
        self._count(node, depth)
        if isinstance(node, ast.Name):
            self._name(node, node.id)
            if node.id in self.functions:
                raise self._fail(node, f"不能给函数名“{node.id}”赋值（数据名称不能与函数同名）")
        elif isinstance(node, ast.Subscript):
            base: ast.AST = node
            while isinstance(base, ast.Subscript):
                if isinstance(base.slice, ast.Slice):
                    raise self._fail(base, "不支持切片赋值")
                self.expr(base.slice, depth + 1)
                base = base.value
            if not isinstance(base, ast.Name):
                raise self._fail(node, '下标赋值只能作用于变量，例如 data["key"] = 1')
            self._name(base, base.id)
        elif isinstance(node, ast.Tuple | ast.List):
            for elt in node.elts:
                self.target(elt, depth + 1)
        else:
            raise self._fail(node, "赋值目标只能是变量、变量的下标或它们的元组")


_STATEMENT_REASONS: dict[type, str] = {
    ast.Import: "禁止导入模块（import）",
    ast.ImportFrom: "禁止导入模块（import）",
    ast.FunctionDef: "禁止定义函数（def）",
    ast.AsyncFunctionDef: "禁止定义函数（def）",
    ast.ClassDef: "禁止定义类（class）",
    ast.While: "禁止使用 while 循环，请使用 for 循环（循环次数有上限）",
    ast.With: "禁止使用 with 语句",
    ast.AsyncWith: "禁止使用 with 语句",
    ast.AsyncFor: "禁止使用异步循环",
    ast.Try: "禁止使用 try 语句",
    ast.TryStar: "禁止使用 try 语句",
    ast.Global: "禁止使用 global / nonlocal 声明",
    ast.Nonlocal: "禁止使用 global / nonlocal 声明",
    ast.Delete: "禁止使用 del 语句",
    ast.Return: "脚本中不能使用 return",
    ast.Raise: "禁止使用 raise 语句",
    ast.Assert: "禁止使用 assert 语句",
    ast.AnnAssign: "不支持带类型注解的赋值",
    ast.Match: "不支持 match 语句",
}


def _parse_expression(source: str) -> ast.Expression:
    if source is None or not str(source).strip():
        raise UnsafeExpression("表达式为空")
    text = str(source).strip()
    if len(text) > MAX_SOURCE_LENGTH:
        raise ExpressionLimitExceeded(f"表达式过长（超过 {MAX_SOURCE_LENGTH} 个字符）")
    try:
        return ast.parse(text, mode="eval")
    except (RecursionError, MemoryError) as exc:
        raise ExpressionLimitExceeded("表达式嵌套层数过多") from exc


def _parse_script(source: str) -> ast.Module:
    text = textwrap.dedent(str(source or ""))
    if len(text) > MAX_SOURCE_LENGTH:
        raise ExpressionLimitExceeded(f"脚本过长（超过 {MAX_SOURCE_LENGTH} 个字符）")
    try:
        return ast.parse(text, mode="exec")
    except (RecursionError, MemoryError) as exc:
        raise ExpressionLimitExceeded("脚本嵌套层数过多") from exc


@lru_cache(maxsize=2048)
def _compiled_expression(source: str, functions: frozenset[str]) -> ast.Expression:
    tree = _parse_expression(source)
    _Checker(functions).check_expression(tree)
    return tree


@lru_cache(maxsize=1024)
def _compiled_script(source: str, functions: frozenset[str]) -> ast.Module:
    tree = _parse_script(source)
    _Checker(functions).check_script(tree)
    return tree


def _syntax_reason(exc: SyntaxError) -> str:
    where = f"（第 {exc.lineno} 行）" if exc.lineno else ""
    return f"语法错误{where}：{exc.msg}"


def check_expression(source: str, *, functions: Iterable[str] | None = None) -> str | None:
    """Deploy-time check of one expression: a Chinese reason if it is unsafe or invalid, else None.

    ``functions`` are the callable names (default: ``DEFAULT_FUNCTION_NAMES``).
    """
    names = frozenset(functions) if functions is not None else DEFAULT_FUNCTION_NAMES
    try:
        _compiled_expression(source, names)
    except SyntaxError as exc:
        return _syntax_reason(exc)
    except UnsafeExpression as exc:
        return exc.reason
    return None


def check_script(source: str, *, functions: Iterable[str] | None = None) -> str | None:
    """Deploy-time check of a script (script task, pre- or post-script); see ``check_expression``."""
    names = frozenset(functions) if functions is not None else DEFAULT_FUNCTION_NAMES
    try:
        _compiled_script(source, names)
    except SyntaxError as exc:
        return _syntax_reason(exc)
    except UnsafeExpression as exc:
        return exc.reason
    return None


# ---------------------------------------------------------------------------
# Run time


class _Evaluator(EvalWithCompoundTypes):
    """simpleeval with per-type attribute whitelists, step counting and size limits."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]], names: Mapping[str, Any]):
        super().__init__(operators=dict(OPERATORS), functions=dict(functions), names=names)
        self.steps = 0  # syntax-tree nodes evaluated
        self.work = 0  # sizes of the values built, copied, compared or passed to functions

    def run(self, node: ast.AST) -> Any:
        self._max_count = 0  # simpleeval's comprehension counter, per expression
        try:
            return self._eval(node)
        except (IterableTooLong, NumberTooHigh) as exc:
            raise ExpressionLimitExceeded(f"超出计算限制：{exc}") from exc
        except FeatureNotAvailable as exc:
            raise UnsafeExpression(f"不允许的操作：{exc}") from exc

    def charge(self, *values: Any) -> None:
        """Count work proportional to the size of ``values`` (linear builtins, copies, comparisons)."""
        for value in values:
            if isinstance(value, Sized):
                self.work += len(value)
        if self.work > MAX_WORK:
            raise ExpressionLimitExceeded("计算量超过上限（数据过大或循环过多）")

    def _eval(self, node: ast.AST) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExpressionLimitExceeded("计算步骤过多（可能存在过大的循环或推导式）")
        result = super()._eval(node)
        _check_size(result)
        if isinstance(node, _CONSTRUCTIVE) or (
            isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)
        ):
            self.charge(result)
        return result

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval walks every container result recursively (unbounded work on large task data).
        # Values here come only from task data, whitelisted functions and whitelisted attributes,
        # so checking the value itself is enough.
        if isinstance(item, types.ModuleType):
            raise UnsafeExpression("不允许使用模块")
        if callable(item) and getattr(item, "__hash__", None) is not None and item in DISALLOW_FUNCTIONS:
            raise UnsafeExpression("不允许使用该函数")

    def _eval_name(self, node: ast.Name) -> Any:
        try:
            return super()._eval_name(node)
        except NameNotDefined:
            raise NameError(f"name '{node.id}' is not defined", name=node.id) from None

    def _eval_binop(self, node: ast.BinOp) -> Any:
        left, right = self._eval(node.left), self._eval(node.right)
        self.charge(left, right)
        return self.operators[type(node.op)](left, right)

    def _eval_compare(self, node: ast.Compare) -> Any:
        right = self._eval(node.left)
        result = True
        for operation, comparator in zip(node.ops, node.comparators, strict=True):
            if not result:
                break
            left, right = right, self._eval(comparator)
            self.charge(left, right)
            result = self.operators[type(operation)](left, right)
        return result

    def _eval_call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name):
            func = self.functions.get(node.func.id)
            if func is None:
                raise UnsafeExpression(f"不允许调用函数“{node.func.id}”")
        elif isinstance(node.func, ast.Attribute):
            func = self._eval(node.func)
        else:
            raise UnsafeExpression("只能调用允许的函数或数据的方法")
        args = [self._eval(arg) for arg in node.args]
        kwargs = {kw.arg: self._eval(kw.value) for kw in node.keywords if kw.arg is not None}
        if len(kwargs) != len(node.keywords):
            raise UnsafeExpression("调用函数时不支持 ** 展开参数")
        if func is not len:  # constant time; everything else may walk its arguments
            self.charge(getattr(func, "__self__", None), *args, *kwargs.values())
        return func(*args, **kwargs)

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        attr = node.attr
        if attr.startswith("_") or attr.startswith("func_"):
            raise UnsafeExpression(f"禁止访问以下划线开头的属性“{attr}”")
        if attr in FORBIDDEN_ATTRS:
            raise UnsafeExpression(f"禁止访问属性“{attr}”")
        obj = self._eval(node.value)
        if isinstance(obj, type):
            allowed = ALLOWED_CLASS_ATTRS.get(obj)
            if allowed is None or attr not in allowed:
                raise UnsafeExpression(f"不允许访问“{getattr(obj, '__name__', '?')}.{attr}”")
            return getattr(obj, attr)
        allowed = ALLOWED_ATTRS.get(type(obj), frozenset())
        if attr in allowed:
            if type(obj) is str and attr == "join":
                return _bounded_join(obj)
            if type(obj) is str and attr == "replace":
                return _bounded_replace(obj)
            return getattr(obj, attr)
        if type(obj) is dict and attr in obj:  # form.amount as a shorthand for form["amount"]
            return obj[attr]
        raise AttributeError(f"“{type(obj).__name__}”类型的值没有可用的属性“{attr}”")

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        value = self._eval(node.value)
        if node.conversion == ord("r"):
            value = repr(value)
        elif node.conversion == ord("a"):
            value = ascii(value)
        elif node.conversion == ord("s"):
            value = str(value)
        if node.format_spec is None:
            return value
        spec = str(self._eval(node.format_spec))
        if len(spec) > MAX_FORMAT_NUMBER or any(
            int(n) > MAX_FORMAT_NUMBER for n in _FORMAT_NUMBER.findall(spec)
        ):
            raise ExpressionLimitExceeded("格式说明中的宽度或精度过大")
        return format(value, spec)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _ScriptRunner:
    """Interprets the checked statement subset; assignments go to ``data``."""

    def __init__(self, evaluator: _Evaluator, data: dict[str, Any]):
        self.ev = evaluator
        self.data = data
        self.iterations = 0

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:  # noqa: C901
        self.ev.steps += 1
        if isinstance(node, ast.Assign):
            value = self.ev.run(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AugAssign):
            current = self.load(node.target)
            operator = self.ev.operators[type(node.op)]
            operand = self.ev.run(node.value)
            self.ev.charge(current, operand)
            result = operator(current, operand)
            _check_size(result)
            self.assign(node.target, result)
        elif isinstance(node, ast.If):
            self.block(node.body if self.ev.run(node.test) else node.orelse)
        elif isinstance(node, ast.Expr):
            self.ev.run(node.value)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.For):
            self.for_loop(node)
        elif isinstance(node, ast.Break):
            raise _Break
        elif isinstance(node, ast.Continue):
            raise _Continue
        else:  # the static check refuses everything else; keep the interpreter closed too
            raise UnsafeExpression(f"不允许的语句：{type(node).__name__}")

    def for_loop(self, node: ast.For) -> None:
        iterable = self.ev.run(node.iter)
        if callable(iterable) or not hasattr(iterable, "__iter__"):
            raise TypeError(f"“{type(iterable).__name__}”类型的值不能用于 for 循环")
        for item in iterable:
            self.iterations += 1
            if self.iterations > MAX_LOOP_ITERATIONS:
                raise ExpressionLimitExceeded(f"循环次数超过上限 {MAX_LOOP_ITERATIONS}")
            self.assign(node.target, item)
            try:
                self.block(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.block(node.orelse)

    def load(self, target: ast.expr) -> Any:
        if isinstance(target, ast.Name):
            return self.ev.run(ast.Name(id=target.id, ctx=ast.Load()))
        if isinstance(target, ast.Subscript):
            return self.ev.run(ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()))
        raise UnsafeExpression("增量赋值的目标只能是变量或下标")

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            if callable(value):
                raise UnsafeExpression(f"不能把函数赋值给变量“{target.id}”")
            self.data[target.id] = value
        elif isinstance(target, ast.Subscript):
            if callable(value):
                raise UnsafeExpression("不能把函数保存到数据中")
            container = self.ev.run(target.value)
            key = self.ev.run(target.slice)
            if type(container) is dict:
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise TypeError(f"字典的键只能是字符串或数字，而不是“{type(key).__name__}”")
            elif type(container) is list:
                if not isinstance(key, int):
                    raise TypeError("列表的下标必须是整数")
            else:
                raise TypeError(f"只能对字典或列表按下标赋值，而不是“{type(container).__name__}”")
            container[key] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = list(itertools.islice(iter(value), len(target.elts) + 1))
            if len(items) != len(target.elts):
                raise ValueError(f"解包数量不匹配：需要 {len(target.elts)} 个值")
            for elt, item in zip(target.elts, items, strict=True):
                self.assign(elt, item)
        else:
            raise UnsafeExpression("赋值目标只能是变量、变量的下标或它们的元组")


class ScriptError(Exception):
    """Carries an error whose first argument is not text (SpiffWorkflow concatenates ``args[0]``)."""


class SafeTaskDataEnvironment(TaskDataEnvironment):
    """A ``TaskDataEnvironment`` that never calls ``eval`` / ``exec``.

    ``functions`` are the callable names visible to expressions and scripts *in addition to*
    the safe builtins (``SAFE_BUILTINS``); ``None`` means the business-calendar functions
    (``workdays``, ``add_workdays``, ``is_workday``).  As in SpiffWorkflow, task data must
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
        self.function_names: frozenset[str] = frozenset(merged) | _COMPOUND_CONSTRUCTORS

    def evaluate(self, expression, context, external_context=None):
        tree = _compiled_expression(expression, self.function_names)
        if not isinstance(context, Mapping):
            raise TypeError("表达式的上下文必须是字典")
        self._prepare_context(context)
        names = ChainMap(context, dict(external_context or {}))
        result = _Evaluator(self.globals, names).run(tree.body)
        if callable(result):
            raise UnsafeExpression("表达式的结果不能是函数")
        return result

    def execute(self, script, context, external_context=None):
        tree = _compiled_script(script, self.function_names)
        self.check_for_overwrite(context, external_context or {})
        self._prepare_context(context)
        work = copy.deepcopy(dict(context))  # all or nothing: a failing script changes no data
        evaluator = _Evaluator(self.globals, ChainMap(work, dict(external_context or {})))
        runner = _ScriptRunner(evaluator, work)
        try:
            runner.block(tree.body)
        except (_Break, _Continue):  # pragma: no cover - the static check forbids them outside loops
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


def make_script_engine(extra_functions: dict | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine that evaluates with ``SafeTaskDataEnvironment``.

    ``extra_functions`` are added to the business-calendar functions and the safe builtins.
    Functions are not serialized with a workflow: set ``wf.script_engine`` again after loading.
    """
    functions = {**CALENDAR_FUNCTIONS, **(extra_functions or {})}
    return PythonScriptEngine(environment=SafeTaskDataEnvironment(functions))
