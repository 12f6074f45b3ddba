"""The rules of the sandbox: resource limits, its errors, the names, attributes and operators allowed.

Everything here is data or a small bounded function; ``checker`` enforces the rules statically,
``interpreter`` again at run time.
"""

from __future__ import annotations

import ast
import importlib
import itertools
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from simpleeval import DEFAULT_OPERATORS, DISALLOW_METHODS, MAX_STRING_LENGTH, safe_add

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


def _deadlines() -> Any:
    return importlib.import_module("processes.deadlines")


def workdays(n: Any, now: datetime | None = None) -> str:
    """ISO-8601 deadline ``n`` working days — or the days of a ``clock(...)`` rule — from today.

    See ``processes.deadlines.timer_deadline``: inside a timer the computation is recorded on the
    timer's task, and a year whose holiday arrangement is not published counts provisionally.
    """
    return _deadlines().timer_deadline(n, now)


def clock(key: str) -> Any:
    """The legal-clock rule ``key`` for the case's area (``workdays(clock("push.claim"))``)."""
    return _deadlines().clock(key)


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
    "clock": clock,
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
COMPOUND_CONSTRUCTORS = frozenset({"list", "tuple", "dict", "set"})

ALLOWED_BINOPS = (
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift,
    ast.BitOr, ast.BitXor, ast.BitAnd,
)  # fmt: skip
ALLOWED_UNARYOPS = (ast.Not, ast.USub, ast.UAdd, ast.Invert)
ALLOWED_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn)

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


def check_size(value: Any) -> None:
    if isinstance(value, str | bytes) and len(value) > MAX_STRING:
        raise _limit(f"字符串长度不能超过 {MAX_STRING}")
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        raise _limit("整数过大")


# Wrappers for string methods whose result size must be checked before it is built.


def bounded_join(sep: str) -> Callable[[Iterable[Any]], str]:
    def join(iterable: Iterable[Any]) -> str:
        parts = list(itertools.islice(iterable, MAX_STRING + 1))
        if len(parts) > MAX_STRING:
            raise _limit(f"字符串长度不能超过 {MAX_STRING}")
        size = len(sep) * max(len(parts) - 1, 0) + sum(len(p) for p in parts if isinstance(p, str))
        if size > MAX_STRING:
            raise _limit(f"字符串长度不能超过 {MAX_STRING}")
        return sep.join(parts)

    return join


def bounded_replace(text: str) -> Callable[..., str]:
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
