"""Chinese messages for what lxml / libxml2, the BPMN XSD and SpiffWorkflow's parser report in
English, each pinned to the BPMN element a process admin sees in the diagram.

Every translator keeps an unknown message as it is, after a Chinese lead-in: no information is
dropped.  ``element_at_line`` finds the element of a line-based error (walking up to the nearest
element drawn in the diagram, or with an id when the file has no diagram).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .bpmn_problems import BPMN_NS, NSMAP, Problem

_PREFIXES = {
    BPMN_NS: "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
}


def short_tag(tag: str) -> str:
    match = re.fullmatch(r"\{([^}]*)\}(.+)", tag)
    if not match:
        return tag
    prefix = _PREFIXES.get(match.group(1))
    return f"{prefix}:{match.group(2)}" if prefix else f"{match.group(2)}（命名空间 {match.group(1)}）"


def label_of(element: Any) -> str:
    """The name a person reads: the element's name (one line), else its id, else its tag."""
    if element is None:
        return ""
    name = " ".join((element.get("name") or "").split())
    return name or element.get("id") or short_tag(str(element.tag))


def shape_id(root: Any, process: Any) -> str:
    """A process is drawn as the pool (participant) that shows it, when there is one."""
    process_id = process.get("id") or ""
    participants = root.xpath("//bpmn:participant[@processRef=$ref]/@id", namespaces=NSMAP, ref=process_id)
    if participants:
        return str(participants[0])
    drawn = _drawn_ids(root)
    if not drawn or process_id in drawn:
        return process_id
    # a process drawn without its pool: pin on its first lane or element in the diagram
    inner = [str(i) for i in process.xpath("./bpmn:laneSet/bpmn:lane/@id|./bpmn:*/@id", namespaces=NSMAP)]
    return next((i for i in inner if i in drawn), process_id)


def _drawn_ids(root: Any) -> set[str]:
    return set(root.xpath("//*[local-name()='BPMNShape' or local-name()='BPMNEdge']/@bpmnElement"))


def pin(root: Any, element: Any) -> str:
    """The id to pin a problem of ``element`` on: itself or the nearest ancestor in the diagram."""
    drawn = _drawn_ids(root)
    node = element
    while node is not None:
        if not isinstance(node.tag, str):
            node = node.getparent()
            continue
        if node.get("bpmnElement"):  # a shape or edge of the diagram
            return str(node.get("bpmnElement"))
        node_id = node.get("id")
        if node.tag == f"{{{BPMN_NS}}}process":
            return shape_id(root, node)
        if node_id and node.tag.startswith(f"{{{BPMN_NS}}}") and (node_id in drawn or not drawn):
            return str(node_id)
        node = node.getparent()
    return ""


def element_at_line(root: Any, line: int | None) -> Any:
    """The last element that starts on or before ``line`` (the innermost one there)."""
    if root is None or not line:
        return None
    found = None
    for element in root.iter():
        if isinstance(element.tag, str) and element.sourceline is not None and element.sourceline <= line:
            found = element
    return found


def _translate(message: str, table: list[tuple[str, str]]) -> str | None:
    for pattern, template in table:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            return template.format(*match.groups())
    return None


# ---------------------------------------------------------------------------
# lxml / libxml2 syntax errors

_SYNTAX = [
    (r"Document is empty", "文件为空，或不是 XML 文件"),
    (
        r"Start tag expected, '<' not found",
        "此处应是一个开始标签，却没有找到“<”（文件不是 XML，或开头有多余内容）",
    ),
    (
        r"Premature end of data in tag (\S+) line (\d+)",
        "文件在第 {1} 行的标签 <{0}> 结束之前就结束了（文件不完整或缺少结束标签）",
    ),
    (
        r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
        "结束标签 </{2}> 与第 {1} 行的开始标签 <{0}> 不匹配",
    ),
    (r"Attribute (\S+) redefined", "属性 {0} 重复出现"),
    (r"Entity '(.+)' not defined", "实体 &{0}; 未定义"),
    (r"Extra content at the end of the document", "根元素结束后还有多余内容"),
    (r"AttValue: \" or ' expected", "属性值必须用引号括起来"),
    (r"attributes construct error", "属性写法错误"),
    (r"Couldn't find end of Start Tag (\S+) line (\d+)", "第 {1} 行的开始标签 <{0}> 没有正确结束（缺少“>”）"),
    (r"PCDATA invalid Char value (\d+)", "含有 XML 不允许的字符（字符码 {0}）"),
    (r"Char 0x(\w+) out of allowed range", "含有 XML 不允许的字符（0x{0}）"),
    (r"Unescaped '<' not allowed in attributes values", "属性值中不能直接出现“<”（请写作 &lt;）"),
    (r"Namespace prefix (\S+) on (\S+) is not defined", "命名空间前缀 {0}（用于 {1}）没有声明"),
    (
        r"Namespace prefix (\S+) for (\S+) on (\S+) is not defined",
        "命名空间前缀 {0}（用于 {2} 的属性 {1}）没有声明",
    ),
    (r"xmlParseEntityRef: no name", "“&”后缺少实体名（文本中的 & 请写作 &amp;）"),
    (r"EntityRef: expecting ';'", "实体引用缺少“;”（文本中的 & 请写作 &amp;）"),
    (r"StartTag: invalid element name", "标签名无效"),
    (r"Specification mandates value for attribute (\S+)", "属性 {0} 缺少值"),
    (r"expected '>'", "缺少“>”"),
    (r"Input is not proper UTF-8, indicate encoding !.*", "文件编码不是 UTF-8（或与 XML 声明中的编码不符）"),
    (r"Comment not terminated.*", "注释没有结束（缺少“-->”）"),
    (r"Unsupported encoding (\S+)", "不支持的字符编码 {0}"),
    (r"XML declaration allowed only at the start of the document", "XML 声明只能出现在文件开头"),
    (r"error parsing attribute name", "属性名无效"),
    (r"String not closed expecting \" or '", "字符串缺少结束引号"),
    (r"Blank needed here", "此处需要空格"),
    (r"Detected an entity reference loop", "实体引用出现循环"),
    (r"(?:Excessive depth in document|Huge input lookup).*", "文件过大或嵌套过深"),
]


def syntax_problem(data: bytes, exc: etree.XMLSyntaxError) -> Problem:
    message = re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc))
    line, column = exc.lineno, (exc.position[1] if exc.position else None)
    where = f"（第 {line} 行，第 {column} 列）" if line and column else (f"（第 {line} 行）" if line else "")
    chinese = _translate(message, _SYNTAX)
    reason = f"XML 格式错误{where}：{chinese}" if chinese else f"XML 格式错误{where}，解析器报告：{message}"
    return Problem(_pin_in_broken(data, line), reason)


def _pin_in_broken(data: bytes, line: int | None) -> str:
    """Read what can be read of a broken file, to name the element around the error."""
    try:
        recovered = etree.fromstring(
            data,
            parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False),
        )
    except (etree.XMLSyntaxError, ValueError):
        return ""
    element = element_at_line(recovered, line)
    return pin(recovered, element) if element is not None else ""


# ---------------------------------------------------------------------------
# XSD (BPMN 2.0 schema) errors

_TYPES = {
    "xs:boolean": "布尔值（true 或 false）",
    "xs:integer": "整数",
    "xs:int": "整数",
    "xs:double": "数字",
    "xs:float": "数字",
    "xs:decimal": "数字",
    "xs:QName": "限定名（QName，前缀须已声明）",
    "xs:anyURI": "URI",
    "xs:IDREF": "ID 引用",
}


def _tags(listing: str) -> str:
    tags = [short_tag(t.strip()) for t in listing.split(",") if t.strip()]
    return "、".join(tags[:8]) + ("等" if len(tags) > 8 else "")


def _schema_text(tag: str, attribute: str | None, message: str) -> str:
    target = f"元素 {tag} 的属性 {attribute}" if attribute else f"元素 {tag}"
    rules: list[tuple[str, Any]] = [
        (r"The attribute '(.+)' is not allowed\.", lambda a: f"元素 {tag} 不允许有属性 {a}"),
        (r"The attribute '(.+)' is required but missing\.", lambda a: f"元素 {tag} 缺少必需的属性 {a}"),
        (r"This element is not expected\. Expected is (?:one of )?\( (.+) \)\.",
         lambda e: f"此处不应出现元素 {tag}（这里可以是：{_tags(e)}）"),
        (r"This element is not expected\.", lambda: f"此处不应出现元素 {tag}"),
        (r"Missing child element\(s\)\. Expected is (?:one of )?\( (.+) \)\.",
         lambda e: f"元素 {tag} 缺少子元素（应有：{_tags(e)}）"),
        (r"Character content other than whitespace is not allowed because the content type is 'element-only'\.",
         lambda: f"元素 {tag} 中不能直接写文本，只能包含子元素"),
        (r"'(.*)' is not a valid value of the atomic type 'xs:ID'\.",
         lambda v: f"{target}的值“{v}”不是有效的 ID（须以字母或下划线开头，不含空格或冒号，且在文件中唯一）"),
        (r"'(.*)' is not a valid value of the atomic type '(.+)'\.",
         lambda v, t: f"{target}的值“{v}”不是有效的{_TYPES.get(t, t)}"),
        (r"'(.*)' is not a valid value of the (?:local )?(?:atomic|union|list) type\.",
         lambda v: f"{target}的值“{v}”无效"),
        (r"(?:\[facet 'enumeration'\] )?The value '(.*)' is not an element of the set \{(.*)\}\.",
         lambda v, s: f"{target}的值“{v}”不在允许的取值中（{s}）"),
        (r"No matching global declaration available for the validation root\.",
         lambda: f"根元素 {tag} 不是 BPMN 2.0 的 definitions"),
        (r"No match found for key-sequence \['(.*)'\] of keyref '.*'\.", lambda v: f"{target}引用的“{v}”在文件中不存在"),
        (r"Duplicate key-sequence \['(.*)'\].*", lambda v: f"ID“{v}”重复"),
    ]  # fmt: skip
    for pattern, render in rules:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            return str(render(*match.groups()))
    return f"{target}不符合 BPMN 2.0 规范，校验器报告：{message}"


def schema_message(message: str) -> str:
    """Chinese text of one XSD error message ("Element '{ns}tag'[, attribute 'a']: …")."""
    match = re.fullmatch(r"Element '([^']+)'(?:, attribute '([^']+)')?: (.*)", message.strip(), flags=re.S)
    if not match:
        return f"不符合 BPMN 2.0 规范，校验器报告：{message}"
    return _schema_text(short_tag(match.group(1)), match.group(2), match.group(3))


def schema_problems(root: Any, schema: etree.XMLSchema) -> list[Problem]:
    """Every error of the BPMN XSD, in Chinese, with its line and element."""
    if schema.validate(root):
        return []
    problems = []
    for error in schema.error_log:
        element = element_at_line(root, error.line)
        where = f"（第 {error.line} 行）" if error.line else ""
        problems.append(Problem(pin(root, element) if element is not None else "",
                                f"BPMN 格式错误{where}：{schema_message(error.message)}"))  # fmt: skip
    return problems


# ---------------------------------------------------------------------------
# SpiffWorkflow parser errors (ValidationException and what it wraps)

_SPIFF = [
    (r"Non-default exclusive outgoing sequence flow without condition", "网关的出口顺序流“{label}”没有条件，也不是默认流"),
    (r"Multiple outgoing flows are not supported for tasks of type", "“{label}”有多条出口顺序流，引擎只支持从网关分支"),
    (r"Exactly one start event is required in a SubWorkflow Task; found (\d+)\.", "子流程“{label}”须有且只有一个开始事件（现有 {0} 个）"),
    (r"A SubWorkflow Must contain an End event", "子流程“{label}”没有结束事件"),
    (r'No "calledElement" attribute for Call Activity\.', "调用活动“{label}”没有指定被调用的流程（calledElement）"),
    (r"Invalid Script Task\.\s+No Script Provided\..*", "脚本任务“{label}”没有脚本"),
    (r"A Service Task must have an operator", "服务任务“{label}”没有指定要调用的服务（spiffworkflow:serviceTaskOperator）"),
    (r"Data Store with name (.+) has no implementation", "数据存储“{0}”在引擎中没有实现，本平台不支持数据存储"),
    (r"Data Store (identifier|name) is missing from bpmn xml", "有数据存储缺少 {0}（id 或 name）"),
    (r"Cannot resolve dataInputAssociation .*", "“{label}”的数据输入关联无法解析，引擎只能读写本流程中的数据对象（dataObject）"),
    (r"Cannot resolve dataOutputAssociation .*", "“{label}”的数据输出关联无法解析，引擎只能读写本流程中的数据对象（dataObject）"),
    (r"There is no support implemented for this task type\.", "“{label}”（{tag}）是引擎不支持的元素"),
    (r"Process (.+) is not executable\.", "流程“{0}”没有标记为可执行（isExecutable=\"true\"）"),
    (r"No start event found", "流程“{label}”没有开始事件"),
    (r"Ad hoc subprocesses may not contain start or end events", "临时子流程“{label}”中不能有开始或结束事件"),
    (r"Sequential ordering for ad hoc subprocesses not supported", "临时子流程“{label}”不支持顺序执行"),
    (r"A loopMaximum or loopCondition must be specified for Loop Tasks", "循环活动“{label}”须指定循环条件或最大次数"),
    (r"A multiinstance task must specify (?:a|exactly one of) cardinality or (?:a )?loop input data reference",
     "多实例活动“{label}”须指定实例数量（loopCardinality）或输入集合（loopDataInputRef）其中之一"),
    (r"The loop (input|output) data reference is missing from the IO specification",
     "多实例活动“{label}”的 {0} 集合引用在 ioSpecification 中不存在"),
    (r"Cancel Events may only be used with transactions", "取消事件“{label}”只能用于事务子流程"),
    (r"Conditional event definition with missing condition", "条件事件“{label}”没有条件"),
    (r"(?:Time Specification Error\. )?Unknown Time Specification", "定时事件“{label}”没有设置时间"),
    (r"Time Specification Error\. (.*)", "定时事件“{label}”的时间设置错误：{0}"),
    (r"Expected an? (Message|Signal|Escalation|error|Error) node", "事件“{label}”引用的 {0} 在文件中不存在"),
    (r"Duplicate process ID: (.+)", "流程 ID“{0}”重复"),
    (r"(Message|Signal|Error|Escalation|Correlation) identifier is missing from bpmn xml", "有 {0} 定义缺少 id"),
    (r"Correlation is missing correlation property retrieval expressions: (.+)", "关联属性“{0}”缺少取值表达式"),
    (r"Message identifier is missing from correlation property: (.+)", "关联属性“{0}”的取值表达式缺少消息引用（messageRef）"),
    (r"Could not find messageRef from message event definition: (.+)", "消息事件定义“{0}”缺少消息引用（messageRef）"),
    (r"The process '(.+)' was not found\. Did you mean one of the following: (.*)\?", "找不到流程“{0}”（文件中的流程：{1}）"),
    (r"When looking for a task spec, we found two items, perhaps a form has the same ID\? \((.*)\)",
     "“{label}”的出口顺序流指向的“{0}”无法解析（可能有重复的 ID）"),
]  # fmt: skip


def spiff_problem(root: Any, exc: Exception) -> Problem:
    """A SpiffWorkflow ``ValidationException`` (or anything the parser let through) in Chinese."""
    message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
    element_id = str(getattr(exc, "id", "") or "")
    line = getattr(exc, "line_number", "") or None
    element = _by_id(root, element_id) if element_id else None
    if element is None and isinstance(line, int):
        element = element_at_line(root, line)
    label = label_of(element) or element_id or "该元素"
    tag = str(getattr(exc, "tag", "") or (short_tag(element.tag) if element is not None else ""))
    where = f"（第 {line} 行）" if line else ""
    if message.startswith("Element '"):
        return Problem(
            pin(root, element) if element is not None else "",
            f"BPMN 格式错误{where}：{schema_message(message)}",
        )
    for pattern, template in _SPIFF:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            text = template.replace("{label}", label).replace("{tag}", tag).format(*match.groups())
            break
    else:
        kind = (
            "流程图校验失败"
            if type(exc).__name__ == "ValidationException"
            else "流程图解析失败（引擎内部错误）"
        )
        text = (
            f"{kind}：“{label}”（{tag}）：{message}"
            if element is not None
            else f"{kind}：{type(exc).__name__}: {message}"
        )
    pinned = pin(root, element) if element is not None else element_id
    return Problem(pinned, text + where)


def _by_id(root: Any, element_id: str) -> Any:
    found = root.xpath("//bpmn:*[@id=$ref]", namespaces=NSMAP, ref=element_id) or root.xpath(
        "//*[@id=$ref]", ref=element_id
    )
    return found[0] if found else None


# ---------------------------------------------------------------------------
# Run-time errors of a case (incidents): SpiffWorkflow's WorkflowTaskException and what it wraps

_CJK = re.compile(r"[\u3400-\u9fff]")


def _inner_error(exc: BaseException) -> BaseException | None:
    inner = getattr(exc, "exception", None)
    if isinstance(inner, BaseException):
        return inner
    return exc.__cause__ or exc.__context__


def _error_text(error: BaseException, suggestion: str | None) -> str:  # noqa: C901 - one branch per type
    """What went wrong, in Chinese, for one Python error raised by an expression or script."""
    text = str(error.args[0]) if error.args else ""
    hint = f"（是否应为“{suggestion}”？）" if suggestion else ""
    if isinstance(error, NameError):
        match = re.search(r"name '([^']+)' is not defined", text)
        name = match.group(1) if match else text
        return f"案件数据中没有“{name}”{hint}"
    if isinstance(error, KeyError):
        return f"数据中没有键“{text}”{hint}"
    if isinstance(error, ZeroDivisionError):
        return "除数为零"
    if isinstance(error, IndexError):
        return "列表下标超出范围（列表中没有这么多项）"
    if isinstance(error, SyntaxError):
        from .sandbox.checker import syntax_message

        where = f"（第 {error.lineno} 行）" if error.lineno else ""
        return f"语法错误{where}：{syntax_message(error)}"
    if _CJK.search(text):  # our sandbox and domain errors are Chinese already
        return text
    if isinstance(error, TypeError):
        return f"数据类型不匹配（例如文字与数字相加、对空值计算），Python 报告：{text}"
    if isinstance(error, AttributeError):
        match = re.search(r"has no attribute '([^']+)'", text)
        return f"数据没有属性“{match.group(1)}”" if match else f"数据没有这个属性，Python 报告：{text}"
    if isinstance(error, ValueError):
        return f"数值无效，Python 报告：{text}"
    if isinstance(error, OverflowError):
        return "数值过大"
    if isinstance(error, RecursionError | MemoryError):
        return "计算过于复杂（嵌套过深或数据过大）"
    return f"{type(error).__name__}：{text}" if text else type(error).__name__


def incident_message(exc: BaseException) -> str:
    """The Chinese message of a failed step, for the incident table, the case timeline and the
    retry answer.  The English original stays in the incident's traceback for engineers."""
    original = str(exc.args[0]) if getattr(exc, "args", None) and exc.args else str(exc)
    full = str(exc)
    suggestion_match = re.search(r"Did you mean '([^']+)'\?", full)
    suggestion = suggestion_match.group(1) if suggestion_match else None
    inner = _inner_error(exc)
    expression = re.match(r"Error evaluating expression '(.*)'$", original, flags=re.S)
    if type(exc).__name__ == "WorkflowTaskException" or expression:
        cause = inner if inner is not None else exc
        reason = _error_text(cause, suggestion) if inner is not None else _untranslated(original)
        if expression:
            return f"计算表达式“{expression.group(1)}”出错：{reason}"
        line, error_line = getattr(exc, "line_number", None), getattr(exc, "error_line", None)
        where = f"（第 {line} 行：{error_line.strip()}）" if line and error_line else ""
        return f"执行脚本出错{where}：{reason}"
    if _CJK.search(full):
        return full
    return f"流程执行出错：{_error_text(exc, suggestion)}"


def _untranslated(message: str) -> str:
    return message if _CJK.search(message) else f"引擎报告：{message}"
