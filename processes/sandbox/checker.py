"""The static check: every expression and script is parsed and walked before it may run.

``check_expression`` / ``check_script`` answer at deploy time with a reason for process admins;
the environment runs the same check (cached) before every evaluation.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable
from functools import lru_cache

from .rules import (
    ALLOWED_BINOPS,
    ALLOWED_CMPOPS,
    ALLOWED_UNARYOPS,
    COMPOUND_CONSTRUCTORS,
    DEFAULT_FUNCTION_NAMES,
    FORBIDDEN_ATTRS,
    FORBIDDEN_NAMES,
    MAX_AST_DEPTH,
    MAX_AST_NODES,
    MAX_SOURCE_LENGTH,
    MAX_STRING,
    ExpressionLimitExceeded,
    UnsafeExpression,
)


class _Checker:
    """Walks an ``ast`` tree and raises ``UnsafeExpression`` on anything outside the subset."""

    def __init__(self, functions: frozenset[str]):
        self.functions = functions | COMPOUND_CONSTRUCTORS
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
            if not isinstance(node.op, ALLOWED_BINOPS):
                raise self._fail(node, f"不支持的运算符：{type(node.op).__name__}")
            self.expr(node.left, d)
            self.expr(node.right, d)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ALLOWED_UNARYOPS):
                raise self._fail(node, f"不支持的运算符：{type(node.op).__name__}")
            self.expr(node.operand, d)
        elif isinstance(node, ast.Compare):
            for cmp_op in node.ops:
                if not isinstance(cmp_op, ALLOWED_CMPOPS):
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
            if not isinstance(node.op, ALLOWED_BINOPS):
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
def compiled_expression(source: str, functions: frozenset[str]) -> ast.Expression:
    tree = _parse_expression(source)
    _Checker(functions).check_expression(tree)
    return tree


@lru_cache(maxsize=1024)
def compiled_script(source: str, functions: frozenset[str]) -> ast.Module:
    tree = _parse_script(source)
    _Checker(functions).check_script(tree)
    return tree


_BRACKETS = {"(": "圆括号", "[": "方括号", "{": "花括号", ")": "圆括号", "]": "方括号", "}": "花括号"}
_FULL_WIDTH = {"，": ",", "（": "(", "）": ")", "“": '"', "”": '"', "‘": "'", "’": "'", "：": ":", "；": ";",
               "＝": "=", "＞": ">", "＜": "<", "！": "!", "【": "[", "】": "]", "。": "."}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff]")


def _bracket(char: str) -> str:
    return f"{_BRACKETS.get(char, '括号')}“{char}”"


def _invalid_character(char: str, code: str) -> str:
    if char in _FULL_WIDTH:
        return f"含有全角标点“{char}”（{code}），请改用半角“{_FULL_WIDTH[char]}”"
    return f"含有不能使用的字符“{char}”（{code}）"


# Python's SyntaxError messages (3.11), most specific first; {0}… are the pattern's groups.
_SYNTAX_MESSAGES: list[tuple[str, object]] = [
    (r"'(.)' was never closed", lambda c: f"{_bracket(c)}未闭合（缺少对应的右括号）"),
    (r"unmatched '(.)'", lambda c: f"多了一个右{_bracket(c)}（没有与之对应的左括号）"),
    (r"closing parenthesis '(.)' does not match opening parenthesis '(.)'(?: on line \d+)?",
     lambda c, o: f"右{_bracket(c)}与左{_bracket(o)}不匹配"),
    (r"unterminated string literal.*", lambda: "字符串缺少结束引号"),
    (r"unterminated triple-quoted string literal.*", lambda: "三引号字符串没有结束"),
    (r"EOL while scanning string literal", lambda: "字符串缺少结束引号"),
    (r"unexpected indent", lambda: "缩进不正确（此行不应缩进）"),
    (r"unindent does not match any outer indentation level", lambda: "缩进不一致（与前面各行的缩进对不齐）"),
    (r"expected an indented block.*", lambda: "缺少缩进的语句块（if / for 之后的语句须缩进）"),
    (r"invalid character '(.)' \((U\+[0-9A-F]+)\)", _invalid_character),
    (r"invalid non-printable character (U\+[0-9A-F]+)", lambda code: f"含有不可见字符（{code}），请删除"),
    (r"expected ':'", lambda: "缺少冒号“:”"),
    (r"expected 'else' after 'if' expression", lambda: "条件表达式 x if 条件 缺少 else 部分"),
    (r"invalid decimal literal", lambda: "数字写法无效（数字后不能直接跟文字）"),
    (r"leading zeros in decimal integer literals are not permitted.*", lambda: "整数不能以 0 开头"),
    (r"unexpected EOF while parsing", lambda: "表达式不完整"),
    (r"unexpected character after line continuation character", lambda: "续行符“\\”后不能再有字符"),
    (r"cannot assign to .*|expression cannot contain assignment.*",
     lambda: "此处不能赋值（比较是否相等请用“==”）"),
    (r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?",
     lambda: "此处不能用“=”（比较是否相等请用“==”）"),
    (r"invalid syntax\. Perhaps you forgot a comma\?", lambda: "写法无效（是否漏了逗号？）"),
    (r"positional argument follows keyword argument", lambda: "按位置的参数不能写在按名称的参数之后"),
    (r"source code (?:string )?cannot contain null bytes", lambda: "含有空字符（\\0）"),
]  # fmt: skip


def syntax_message(exc: SyntaxError) -> str:
    """Python's English ``SyntaxError`` as a Chinese reason for process admins (unknown ones keep
    the original text after a Chinese lead-in)."""
    message = str(exc.msg or "")
    line_text = (exc.text or "").rstrip("\n")
    if message == "invalid syntax":
        offset = exc.offset or 0
        rest = line_text[offset - 1 :].strip() if 0 < offset <= len(line_text) else ""
        if not rest:
            return "表达式不完整（末尾缺少内容，例如 and / or / 运算符之后缺少另一半）"
        near = rest if len(rest) <= 20 else rest[:20] + "…"
        hint = '；中文文字须放在引号中，如 "3 个工作日"' if _CJK.search(line_text) else ""
        return f"无法识别的写法（在“{near}”处）{hint}"
    for pattern, render in _SYNTAX_MESSAGES:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            return str(render(*match.groups()))  # type: ignore[operator]
    return f"无法解析，Python 报告：{message}"


def _syntax_reason(exc: SyntaxError) -> str:
    where = f"（第 {exc.lineno} 行）" if exc.lineno else ""
    return f"语法错误{where}：{syntax_message(exc)}"


def check_expression(source: str, *, functions: Iterable[str] | None = None) -> str | None:
    """Deploy-time check of one expression: a Chinese reason if it is unsafe or invalid, else None.

    ``functions`` are the callable names (default: ``DEFAULT_FUNCTION_NAMES``).
    """
    names = frozenset(functions) if functions is not None else DEFAULT_FUNCTION_NAMES
    try:
        compiled_expression(source, names)
    except SyntaxError as exc:
        return _syntax_reason(exc)
    except UnsafeExpression as exc:
        return exc.reason
    return None


def check_script(source: str, *, functions: Iterable[str] | None = None) -> str | None:
    """Deploy-time check of a script (script task, pre- or post-script); see ``check_expression``."""
    names = frozenset(functions) if functions is not None else DEFAULT_FUNCTION_NAMES
    try:
        compiled_script(source, names)
    except SyntaxError as exc:
        return _syntax_reason(exc)
    except UnsafeExpression as exc:
        return exc.reason
    return None
