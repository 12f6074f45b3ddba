"""QA defects of the studio's validation: every independent problem in one pass, Python syntax
errors in Chinese, Chinese incident messages, no repeated file-level messages."""

import pytest

from processes.bpmn_validation import validate_bpmn
from processes.sandbox import check_expression, check_script, make_script_engine
from tests.bpmn import DEPARTMENT, diagram, flow, user_task
from tests.test_validate_bpmn import EXPECTED, miwg_dir


def _two_exits_and_a_broken_condition(condition: str = 'claim_decision == "claim" and') -> str:
    return "\n".join([
        '<bpmn:startEvent id="start"/>',
        user_task("t", inner=DEPARTMENT),
        '<bpmn:exclusiveGateway id="gw" name="是否认领" default="f_no"/>',
        user_task("a", "认领", inner=DEPARTMENT),
        user_task("b", "其他", inner=DEPARTMENT),
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "t"), flow("f1", "t", "gw"), flow("f1b", "t", "b"),
        flow("f_yes", "gw", "a", condition), flow("f_no", "gw", "end"),
        flow("f2", "a", "end"), flow("f3", "b", "end"),
    ])  # fmt: skip


def test_a_structural_problem_does_not_hide_a_broken_condition():
    parsed, problems = validate_bpmn(diagram(_two_exits_and_a_broken_condition()))
    assert parsed is None
    by_id = {p.element_id: p.reason for p in problems}
    assert set(by_id) == {"t", "f_yes"}, problems
    assert "有 2 条出口顺序流" in by_id["t"]
    assert by_id["f_yes"].startswith("网关“是否认领”的出口条件（顺序流 f_yes）：语法错误")
    assert "表达式不完整" in by_id["f_yes"] and "invalid syntax" not in by_id["f_yes"]
    assert len(problems) == len(set(problems))


@pytest.mark.django_db
def test_structural_refusal_still_checks_scripts_timers_clocks_and_candidates():
    body = "\n".join([
        '<bpmn:startEvent id="start"/>',
        '<bpmn:userTask id="t" name="办理"><bpmn:extensionElements>'
        '<spiffworkflow:preScript>x = (</spiffworkflow:preScript>'
        '<spiffworkflow:properties><spiffworkflow:property name="candidate_department" value="dept["/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:scriptTask id="s" name="计算"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>',
        '<bpmn:boundaryEvent id="timer" name="超期" attachedToRef="t"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>3 个工作日</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>",
        '<bpmn:boundaryEvent id="timer2" name="认领时限" attachedToRef="s"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>clock("no.such.rule")</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>',
        '<bpmn:endEvent id="end"/>',
        flow("f0", "start", "t"), flow("f1", "t", "s"), flow("f1b", "t", "end"), flow("f2", "s", "end"),
        flow("f3", "timer", "end"), flow("f4", "timer2", "end"),
    ])  # fmt: skip
    parsed, problems = validate_bpmn(diagram(body))  # t has 2 exits: SpiffWorkflow never parses it
    assert parsed is None
    reasons = "\n".join(f"[{p.element_id}] {p.reason}" for p in problems)
    assert "[t] “办理”有 2 条出口顺序流" in reasons
    assert "[t] “办理”的前置脚本（preScript）：语法错误（第 1 行）：圆括号“(”未闭合" in reasons
    assert "[t] 用户任务“办理”的候选部门表达式：语法错误（第 1 行）：方括号“[”未闭合" in reasons
    assert "[s] 脚本任务“计算”的脚本：" in reasons and "import" in reasons
    assert "[timer] 事件“超期”的定时器表达式：语法错误" in reasons
    assert "no.such.rule" in reasons and "[timer2]" in reasons
    assert "invalid syntax" not in reasons and "was never closed" not in reasons
    assert len(problems) == len(set(problems))


def test_the_same_checks_speak_alike_when_the_file_parses():
    """Without the structural problem the spec path reports the condition with the same words."""
    body = _two_exits_and_a_broken_condition().replace(flow("f1b", "t", "b"), "")
    body = body.replace(user_task("b", "其他", inner=DEPARTMENT), "").replace(flow("f3", "b", "end"), "")
    _parsed, problems = validate_bpmn(diagram(body))
    _p, structural = validate_bpmn(diagram(_two_exits_and_a_broken_condition()))
    assert [p for p in problems] == [p for p in structural if p.element_id == "f_yes"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ('claim_decision == "claim" and', "表达式不完整"),
        ("3 个工作日", "中文文字须放在引号中"),
        ("dept[", "方括号“[”未闭合"),
        ('"abc', "字符串缺少结束引号"),
        ("a )", "多了一个右圆括号“)”"),
        ("x ，y", "全角标点“，”（U+FF0C），请改用半角“,”"),
        ("(a]", "右方括号“]”与左圆括号“(”不匹配"),
        ("x if y", "缺少 else"),
    ],
)
def test_expression_syntax_errors_are_chinese(source, words):
    reason = check_expression(source)
    assert reason is not None and reason.startswith("语法错误（第 1 行）：")
    assert words in reason, reason
    for english in ("invalid syntax", "was never closed", "unterminated", "unmatched", "invalid character"):
        assert english not in reason


def test_script_syntax_errors_are_chinese():
    assert "缩进不正确" in check_script("x = 1\n  y = 2")
    assert "缺少冒号" in check_script("if x\n  y = 1")
    assert "缺少缩进的语句块" in check_script("if x:\ny = 1")


def test_an_unknown_syntax_message_keeps_the_original_after_a_chinese_lead_in():
    from processes.sandbox import checker

    error = SyntaxError("a brand new complaint")
    assert checker.syntax_message(error) == "无法解析，Python 报告：a brand new complaint"


def test_incident_messages_for_evaluation_errors_are_chinese():
    from processes.bpmn_messages import incident_message

    class WorkflowTaskException(Exception):  # SpiffWorkflow's shape: message, .exception, notes in str()
        def __init__(self, message, exception, note=""):
            super().__init__(message)
            self.exception, self.note = exception, note

        def __str__(self):
            return f"{self.args[0]}{self.note}"

    env = make_script_engine().environment
    data = {"department": "SCJG", "d": {"a": 1}, "n": 0, "s": "x", "items": []}
    cases = {
        "len(targets) > 0": "计算表达式“len(targets) > 0”出错：案件数据中没有“targets”",
        "d['b']": "计算表达式“d['b']”出错：数据中没有键“b”",
        "1 / n": "计算表达式“1 / n”出错：除数为零",
        "s + 1": "计算表达式“s + 1”出错：数据类型不匹配",
        "items[3]": "计算表达式“items[3]”出错：列表下标超出范围",
    }
    for expression, expected in cases.items():
        with pytest.raises(Exception) as info:
            env.evaluate(expression, dict(data))
        note = ". Did you mean 'department'?" if isinstance(info.value, NameError) else ""
        exc = WorkflowTaskException(f"Error evaluating expression '{expression}'", info.value, note)
        message = incident_message(exc)
        assert message.startswith(expected), message
    named = incident_message(
        WorkflowTaskException(
            "Error evaluating expression 'len(targets) > 0'",
            NameError("name 'targets' is not defined"),
            ". Did you mean 'department'?",
        )
    )
    assert named == "计算表达式“len(targets) > 0”出错：案件数据中没有“targets”（是否应为“department”？）"
    assert incident_message(RuntimeError("boom")) == "流程执行出错：RuntimeError：boom"
    assert incident_message(ValueError("案件已结束")) == "案件已结束"


FILE_LEVEL = ("文件中有多个流程", "文件中有多个可执行流程", "在引擎中没有实现")


def _problems(name: str):
    return validate_bpmn((miwg_dir() / name).read_bytes(), source_name=name)[1]


def test_c40_names_the_process_and_data_store_problems_once():
    name = "C.4.0.bpmn"
    problems = _problems(name)
    reasons = [p.reason for p in problems]
    assert sum("文件中有多个流程" in r for r in reasons) == 1
    assert sum("数据存储“Employee Details”在引擎中没有实现" in r for r in reasons) == 1
    # each pool and each reference is still marked, with a pointer to the explanation
    assert sum("数据存储“Employee Details”的第" in r for r in reasons) == 3
    assert (
        sum(
            "每个文件只能有一个可执行的入口流程（见流程“Money Bank - Process”处的说明）" in r for r in reasons
        )
        == 3
    )
    assert {p.element_id for p in problems} == EXPECTED[name][1]
    assert len(reasons) == len(set(reasons))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_reference_model_repeats_a_file_level_message(name):
    problems = _problems(name)
    assert len(problems) == len(set(problems))
    file_level = [p.reason for p in problems if any(word in p.reason for word in FILE_LEVEL)]
    assert len(file_level) == len(set(file_level)), file_level
