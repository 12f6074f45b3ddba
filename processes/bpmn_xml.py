"""XML-level checks of a BPMN file, before SpiffWorkflow parses it: syntax, the root element, the
entry process, and references SpiffWorkflow resolves silently or with unhelpful messages."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .bpmn_messages import label_of, shape_id, syntax_problem
from .bpmn_problems import BPMN_NS, NSMAP, Problem

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(xml: bytes | str, problems: list[Problem]) -> Any:
    if isinstance(xml, str):
        # lxml refuses str input with an encoding declaration; the text is already decoded.
        data: bytes = _XML_DECLARATION.sub("", xml, count=1).encode("utf-8")
    else:
        data = bytes(xml)
    if not data.strip():
        problems.append(Problem("", "文件为空"))
        return None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        problems.append(syntax_problem(data, exc))
        return None
    except ValueError as exc:
        problems.append(Problem("", f"XML 格式错误：{exc}"))
        return None
    if root.getroottree().docinfo.doctype:
        problems.append(Problem("", "不允许在 BPMN 文件中声明 DOCTYPE 或实体"))
        return None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        problems.append(Problem("", "不是 BPMN 2.0 文件：根元素应为 bpmn:definitions"))
        return None
    return root


def choose_process(root: Any, problems: list[Problem]) -> tuple[Any, list[Any]]:
    """``(entry, processes to check)``: the entry process is the only process, or the only
    ``isExecutable="true"`` one not called by a call activity; processes called from the file
    are made executable so they can be parsed.  Without an entry, every process is checked."""
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    if not processes:
        problems.append(Problem("", "文件中没有流程（bpmn:process）"))
        return None, []
    called = set(root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP))
    if len(processes) == 1:
        chosen = processes[0]
    else:
        entries = [p for p in processes if p.get("isExecutable") == "true" and p.get("id") not in called]
        if len(entries) != 1:
            # processes called from the file are parsed with their caller, never entries themselves
            candidates = entries or [p for p in processes if p.get("id") not in called] or processes
            names = "、".join(f"“{label_of(p)}”" for p in candidates)
            if entries:
                reason = f'文件中有多个可执行流程（{names}），每个文件只能有一个可执行流程：请只保留一个 isExecutable="true"'
            elif len(candidates) == 1:
                reason = (
                    f'文件中有 {len(processes)} 个流程，入口流程{names}须标记为可执行（isExecutable="true"）'
                )
            else:
                reason = f'文件中有多个流程（{names}），请将其中一个标记为可执行（isExecutable="true"）'
            # the reason once, on the first pool; each other pool gets a short pointer to it
            first = label_of(candidates[0])
            problems.append(Problem(shape_id(root, candidates[0]), reason))
            problems.extend(
                Problem(
                    shape_id(root, p),
                    f"流程“{label_of(p)}”：每个文件只能有一个可执行的入口流程（见流程“{first}”处的说明）",
                )
                for p in candidates[1:]
            )
            return None, processes
        chosen = entries[0]
    if not chosen.get("id"):
        problems.append(Problem("", "流程缺少 id"))
        return None, [chosen]
    chosen.set("isExecutable", "true")
    for process in processes:
        if process.get("id") in called:
            process.set("isExecutable", "true")
    scope = [chosen] + [p for p in processes if p is not chosen and p.get("id") in called]
    return chosen, scope


_GLOBAL_TASKS = {
    "globalTask",
    "globalUserTask",
    "globalManualTask",
    "globalScriptTask",
    "globalBusinessRuleTask",
}


def check_structure(root: Any, problems: list[Problem]) -> set[str]:
    """References SpiffWorkflow resolves silently or with unhelpful messages; returns duplicate ids."""
    seen: set[str] = set()
    duplicates: set[str] = set()
    for element in root.xpath(".//bpmn:*[@id]", namespaces=NSMAP):
        element_id = element.get("id")
        if element_id in seen:
            problems.append(Problem(element_id, f"元素 ID“{element_id}”重复"))
            duplicates.add(element_id)
        seen.add(element_id)

    for flow in root.xpath(".//bpmn:sequenceFlow", namespaces=NSMAP):
        flow_id = flow.get("id") or ""
        container = flow.getparent()
        for attr, what in (("sourceRef", "起点"), ("targetRef", "目标")):
            ref = flow.get(attr)
            if not ref:
                problems.append(Problem(flow_id, f"顺序流“{flow_id}”缺少{what}（{attr}）"))
            elif not container.xpath("./*[@id=$ref]", ref=ref):
                problems.append(Problem(flow_id, f"顺序流“{flow_id}”的{what}节点“{ref}”不存在"))

    for event in root.xpath(".//bpmn:boundaryEvent", namespaces=NSMAP):
        ref = event.get("attachedToRef")
        if not ref or not event.getparent().xpath("./*[@id=$ref]", ref=ref):
            problems.append(Problem(event.get("id") or "", f"边界事件附着的活动“{ref or ''}”不存在"))

    process_ids = set(root.xpath("./bpmn:process/@id", namespaces=NSMAP))
    for call in root.xpath(".//bpmn:callActivity", namespaces=NSMAP):
        called, call_id, label = call.get("calledElement"), call.get("id") or "", label_of(call)
        targets = root.xpath("./bpmn:*[@id=$ref]", namespaces=NSMAP, ref=called or "")
        if not called:
            problems.append(Problem(call_id, f"调用活动“{label}”没有指定被调用的流程（calledElement）"))
        elif targets and etree.QName(targets[0]).localname in _GLOBAL_TASKS:
            problems.append(
                Problem(
                    call_id, f"调用活动“{label}”调用的是全局任务“{label_of(targets[0])}”，引擎只能调用流程"
                )
            )
        elif called not in process_ids:
            problems.append(Problem(call_id, f"调用活动“{label}”引用的流程“{called}”不在同一个文件中"))
    return duplicates
