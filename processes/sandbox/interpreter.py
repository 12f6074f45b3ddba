"""The interpreter: runs what ``checker`` accepted, within the limits of ``rules``.

Expressions are evaluated by simpleeval with per-type attribute whitelists; scripts are run
statement by statement from their ``ast``.  Steps, work and loop iterations are counted.
"""

from __future__ import annotations

import ast
import itertools
import re
import types
from collections.abc import Callable, Mapping, Sized
from typing import Any

from simpleeval import (
    DISALLOW_FUNCTIONS,
    EvalWithCompoundTypes,
    FeatureNotAvailable,
    IterableTooLong,
    NameNotDefined,
    NumberTooHigh,
)

from .rules import (
    ALLOWED_ATTRS,
    ALLOWED_CLASS_ATTRS,
    FORBIDDEN_ATTRS,
    MAX_FORMAT_NUMBER,
    MAX_LOOP_ITERATIONS,
    MAX_STEPS,
    MAX_WORK,
    OPERATORS,
    ExpressionLimitExceeded,
    UnsafeExpression,
    bounded_join,
    bounded_replace,
    check_size,
)

_FORMAT_NUMBER = re.compile(r"\d+")

# Nodes whose result is a newly built value (its size is charged as work).
_CONSTRUCTIVE = (
    ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.GeneratorExp, ast.DictComp,
    ast.JoinedStr,
)  # fmt: skip


class Evaluator(EvalWithCompoundTypes):
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
        check_size(result)
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
                return bounded_join(obj)
            if type(obj) is str and attr == "replace":
                return bounded_replace(obj)
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


class BreakLoop(Exception):
    pass


class ContinueLoop(Exception):
    pass


class ScriptRunner:
    """Interprets the checked statement subset; assignments go to ``data``."""

    def __init__(self, evaluator: Evaluator, data: dict[str, Any]):
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
            check_size(result)
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
            raise BreakLoop
        elif isinstance(node, ast.Continue):
            raise ContinueLoop
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
            except BreakLoop:
                return
            except ContinueLoop:
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
