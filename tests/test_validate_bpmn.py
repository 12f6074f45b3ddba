"""``validate_bpmn`` over the 21 BPMN MIWG reference models and our bundled diagrams, the
``validate_bpmn`` command (output, exit codes), and the Chinese parser / XSD / engine messages.

The reference models live outside the repository (``../shared/bpmn-miwg-reference``, which CI has);
a missing folder fails the test, it is never skipped.  Each expected outcome below was checked
against the file: e.g. A.1.0's three plain tasks are human tasks with no candidate department,
A.2.0's split gateway has three outgoing flows without conditions, C.9.1's timers are bare ISO
8601 texts our engine would evaluate as Python expressions.  Gateway conditions written for other
engines (JUEL ``${approved}``, FEEL ``= approved``) are reported as syntax errors on their flows even
when the file has structural problems too (one pass names every problem).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from processes.bpmn_messages import schema_message, spiff_problem
from processes.bpmn_validation import validate_bpmn
from tests.bpmn import DEPARTMENT, chain, diagram, user_task

REPO = Path(settings.BASE_DIR)
BUNDLED = sorted((REPO / "bpmn").glob("*.bpmn"))


def miwg_dir() -> Path:
    candidates = [os.environ.get("XTJG_MIWG_DIR"), REPO.parent / "shared" / "bpmn-miwg-reference",
                  "/work/shared/bpmn-miwg-reference"]  # fmt: skip
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and list(Path(candidate).glob("*.bpmn")):
            return Path(candidate)
    pytest.fail(
        "找不到 BPMN MIWG 参考模型目录：请设置 XTJG_MIWG_DIR，或把模型放在 "
        f"{REPO.parent / 'shared' / 'bpmn-miwg-reference'}（试过：{[c for c in candidates if c]}）"
    )


# file: (deployable, element ids of the problems, words the reasons must hold)
EXPECTED: dict[str, tuple[bool, set[str], tuple[str, ...]]] = {
    "A.1.0.bpmn": (
        False,
        {
            "_820c21c0-45f3-473b-813f-06381cc637cd",
            "_e70a6fcb-913c-4a7b-a65d-e83adc73d69c",
            "_ec59e164-68b4-4f94-98de-ffb1c58a84af",
        },
        ("未指定候选部门",),
    ),
    "A.2.0.bpmn": (
        False,
        {
            "_20ebb3c1-5178-4c7c-a91d-23e58f2aa73b",
            "_a1570a53-28d2-41b1-a3a2-3e50c00d747e",
            "_f1478fb7-98c4-4c01-8c15-68bd04c91535",
        },
        ("没有条件，也不是默认流",),
    ),
    "A.2.1.bpmn": (
        False,
        {
            "_To9Z-TOCEeSknpIVFCxNIQ",
            "_To9Z7TOCEeSknpIVFCxNIQ",
            "_To9Z_DOCEeSknpIVFCxNIQ",
            "_To9ZtjOCEeSknpIVFCxNIQ",
            "_To9ZzzOCEeSknpIVFCxNIQ",
        },
        ("引擎只支持从网关分支", "没有条件，也不是默认流"),
    ),
    "A.3.0.bpmn": (
        False,
        {
            "_1ae31d1b-2559-4f78-a3ec-47986a49db48",
        },
        ("须有且只有一个开始事件", "没有结束事件"),
    ),
    "A.4.0.bpmn": (
        False,
        {
            "_046bff4f-cea3-4512-a6b1-30517fb29f2c",
            "_17bebb0f-f31e-475a-b1b1-76fcc2da172b",
            "_6fed62c8-8241-4a1d-ae67-266fda7dcead",
        },
        ("多个流程", "引擎只支持从网关分支"),
    ),
    "A.4.1.bpmn": (
        False,
        {
            "sid-34E8C3A5-5C2A-4593-AC67-038B737814D7",
            "sid-66751F1E-EEB9-4BA7-9FDA-7965A1CA9CD1",
            "sid-7E61DCD0-0700-4828-8A28-CD65132273D7",
        },
        ("多个流程", "引擎只支持从网关分支"),
    ),
    "B.1.0.bpmn": (
        False,
        {
            "_0623a9bd-fd34-462a-b09d-85cb5004be78",
            "_1eb62392-1f21-4a63-bbcb-c78880c3165e",
            "_6a248585-952e-40ff-82ec-b6d8f410b73a",
            "_6ee42e88-3d90-4259-83c0-9abd4574a15a",
            "_9d489bd9-9435-4692-bc98-4cdda4a61569",
            "_b9385abf-d293-40b7-848b-8add4db48415",
            "_cde15ee4-b395-43a3-9f5e-9028446f8a52",
            "_ec919941-53ec-403d-97e1-6a163a063f21",
            "_eeb6812d-d182-489f-aea2-493ab8732cfd",
            "_fa3a8e53-5be0-4f0b-8680-d2498e255209",
            "_fea1c5af-6c76-403f-809e-26d476d92741",
        },
        ("多个流程", "全局任务", "数据存储", "serviceTaskOperator", "没有条件", "开始事件"),
    ),
    "B.2.0.bpmn": (
        False,
        {
            "_0263ca9e-2ca0-4f4e-b7dd-86e15dcf2447",
            "_149a6e1d-0385-4d0f-a90c-c2150a291a67",
            "_3bfec246-ab94-4807-a79a-3df91ac13800",
            "_4f5e6e50-d9d0-4f97-959a-d1b8e1e32788",
            "_55bb31e8-9e62-48ea-8f0e-1a748c04bbf6",
            "_5cc02d0f-c090-4e48-8da3-f32cbbca9565",
            "_5d70a293-03ea-4a73-bed0-65ad145796d6",
            "_6936f794-7bbb-4aa1-ae48-3a35bab4e2f4",
            "_8021571a-7a77-426b-b824-545cc61f7334",
            "_8b98cde1-aec2-46e8-8be2-d9aa244fcda6",
            "_a74c1d4d-db90-43ff-8920-139a300b39a5",
            "_a9966baf-d9b9-4be1-a4d9-2906ab5add30",
            "_ac1fde31-c0cd-4a8a-9728-a5fb49602de7",
            "_b9343536-6490-4559-8365-71d5c4cbb7cb",
            "_b9385abf-d293-40b7-848b-8add4db48415",
            "_c57a5344-213f-4834-a6c3-94ce878b413c",
            "_cde15ee4-b395-43a3-9f5e-9028446f8a52",
            "_f27040d5-765c-493c-bbe7-9fb6ad04cbdc",
            "_fa90f891-fc07-463a-97c9-2ee0812351e1",
        },
        (
            "多个流程",
            "全局任务",
            "数据存储",
            "多实例",
            "循环活动",
            "信号事件定义不受引擎支持",
            "链接事件定义不受引擎支持",
            "serviceTaskOperator",
        ),
    ),
    "C.1.0.bpmn": (  # its JUEL conditions (${approved}) are Python syntax errors for our engine
        False,
        {
            "archiveInvoice",
            "invoiceApproved",
            "invoiceNotApproved",
            "reviewNotSuccessful",
            "reviewSuccessful",
        },
        ("serviceTaskOperator",),
    ),
    "C.1.1.bpmn": (
        False,
        {
            "archiveInvoice",
            "invoiceApproved",
            "invoiceNotApproved",
            "reviewNotSuccessful",
            "reviewSuccessful",
            "sid-14ef3d18-7218-4f57-98f0-bb595114754b",
        },
        ("数据存储“Financial Accounting System”", "serviceTaskOperator"),
    ),
    "C.2.0.bpmn": (
        False,
        {
            "_50edb87c-9e46-48b1-a311-ef00e6e431e8",
            "_63cf98c9-d0b1-4595-a4f2-9589439b311c",
            "__3cf88d6c-e5e4-489e-bc73-e2a18be946bf",
            "__6f70606b-6781-4f26-b207-5bfff80115d8",
            "__a12a7547-373d-47ec-890d-af5c177203ee",
            "__a42178ea-f777-4c5b-a0a1-c4014aee6431",
            "__bb6766c5-51e3-4f04-aedc-6c9e4afe0582",
            "__ffc1486a-8a32-490a-8835-d14cc5ab0a97",
            "_ad0872cc-e2a9-4c44-98c6-c64e0638f37e",
            "_bfa5c7b2-f5d2-4487-a307-b2ea662bd059",
        },
        ("多个流程", "没有条件"),
    ),
    "C.3.0.bpmn": (
        False,
        {
            "Bpmn_BoundaryEvent_sS9gABqGEeWDuOtG0oS24A",
            "_3fb323d5-2c59-487a-af63-804208f6c5cb",
            "_437e5969-1e61-4cb9-aa76-4f8854f32eeb",
            "_ada039b6-94dd-4a15-a6b1-c7fe662c64ee",
            "_b99800c3-c340-460c-a43e-098014a365d0",
            "_be893987-caec-4605-b078-bd96b7cd6c12",
            "_cd6f230f-13c3-4027-aa3e-57de601a1ab2",
            "_cddf9325-a85b-4347-8c57-8b909fa77ae9",
            "_cf380e47-1401-4e7e-b710-193b626e49eb",
        },
        ("“PT2H”是未加引号的 ISO 8601", "没有条件", "开始事件"),
    ),
    "C.4.0.bpmn": (
        False,
        {
            "_06745dd2-cbc6-4742-b11c-69281e5dcbdb",
            "_12e2f256-ec10-4a8d-934c-329143c588d8",
            "_1422af8d-518b-49f1-9563-9b6939de2818",
            "_16498c9e-c33f-4f92-9033-714b89582a7c",
            "_237c8380-5449-446e-a323-aad80181176d",
            "_788443d9-65f0-43a4-96a8-63e8d6f380a7",
            "_7e9d8b8b-faa9-4264-858b-7454702c4ec2",
            "_9931ba94-ede8-4f53-8081-878c549ba1c8",
            "_9db2d136-aa33-4de2-be76-554e7843363d",
            "_a9cffac5-6e03-41de-83bf-d34304f28b1a",
            "_b5172765-a1c1-4c6e-8e57-9eabaf8cecdf",
            "_b60be020-1f04-46c2-b1a9-19bfc66ead82",
            "_ca6f904d-e30d-4777-a7dd-661650e1e3a2",
            "_e355b511-e181-4e7b-a9b1-30cb48dd6cab",
            "_f00a95f6-043e-4ec1-8731-153a707e950c",
            "_fab40827-7808-470a-93b6-4a3318bf0c0e",
        },
        ("多个流程", "数据存储", "循环活动", "serviceTaskOperator"),
    ),
    "C.5.0.bpmn": (
        False,
        {
            "_1887adee-8291-4640-a5fa-3dc5f33d5a34",
            "_1cf552d4-5152-4595-9218-84f31533bc70",
            "_470d1a12-e1fa-4471-b753-cfd7dbe20d80",
            "_664f3a71-3efa-4c94-8797-815f2e377cf7",
            "_66f4a1ff-fd8a-4002-ade7-7a4d1b1d529c",
            "_6912e5ed-5cae-4798-b6e6-8d367ddb3f60",
            "_8055ae64-cafd-4fd0-be36-2216e3b02e37",
            "_8a77d7f6-320a-47ff-a155-57ee200df478",
            "_ae94e0c1-aa12-433f-bd44-a4d8a70a089e",
            "_afc35597-a482-432a-8ace-17adaf609572",
            "_c329c58d-4a71-471f-acb9-b7f7113d8547",
            "_c5285566-0657-47c5-a7ad-d09e144377f3",
            "_e25b9c2d-690e-470b-8993-112002994fc2",
            "_e88d64c7-3aaf-4a5f-9787-4e5ba696312b",
            "_eec53048-291a-4802-8fec-012857f845eb",
            "_f200a9f1-5554-4868-b895-707186915d62",
            "_fcb09e30-bfe6-46b9-af01-6777c60026f2",
            "_ffd44905-4f54-4fe0-a156-0312c2a7a3cc",
        },
        ("入口流程“Bank - Process”须标记为可执行", "数据存储", "信号事件定义不受引擎支持", "没有条件"),
    ),
    "C.6.0.bpmn": (
        False,
        {
            "_0198160d-b56c-4919-9920-db5f32d16b3f",
            "_22612d45-65ca-4a74-a6eb-53af7ebcb5ff",
            "_3a2f133c-3ae1-4e21-94b5-6e8cf51acd74",
            "_614d6469-2bb8-4ad6-a20a-db5db6321c6b",
            "_6a5cdbbf-2618-496e-b728-955dc215ef9d",
            "_8af17ed4-6e13-463b-8333-d397b3002c65",
            "_8afc49f0-42c2-4da9-8e79-e08dbe349776",
            "_99bf4db9-3616-4ed1-a0f8-b8175c3fd46f",
            "_9cc2ac34-f12c-49e0-b37c-144e5a84fd92",
            "_b25ecc7c-4eff-4a70-96f2-6b2f94cf19b1",
            "_b595ec43-0769-4864-8f2e-403c405c8217",
            "_e4b9fa74-efd8-409f-a2e4-ad917df767b4",
            "_ea5cc55d-bfce-49c6-8a1a-a8a41a85da12",
            "_fe3f9094-097b-416d-adeb-4b7e7e753f3c",
        },
        ("补偿事件定义不受引擎支持", "serviceTaskOperator", "数据输出关联", "数据输入关联"),
    ),
    "C.7.0.bpmn": (
        False,
        {
            "_15b00027-5049-4081-8952-fd398e8b722a",
            "_1d201a22-d500-4412-a32a-2c7e24ad4d6b",
            "_64eabfe9-6947-43eb-ac45-8d331745f86c",
            "_a36ddf2f-23c1-46c5-86d4-bd2a0eb42535",
            "_d74707c7-6af3-4db7-9403-924bfdf6a7d8",
            "_eae674ce-4d6e-48ac-819c-c79e0868e40d",
        },
        ("业务规则任务", "数据输出关联", "多实例", "serviceTaskOperator", "没有条件"),
    ),
    "C.8.0.bpmn": (
        False,
        {
            "_0a1c4f20-509f-4aeb-baf9-acc762f4fdf9",
            "_1a818a94-ba6f-413b-a7e8-6f8fd2a11e32",
            "_2b960d84-feb1-46a9-a1a1-c300dd996b99",
            "_325973e7-0bc8-4136-b6df-be1e681d8608",
            "_4b72053b-8ebb-4ae6-99c6-7c93cf1c1d1b",
            "_5e16a4e0-0f23-482a-be47-d3edbc5741ba",
            "_f2b0da63-d841-4457-ad85-7d86c8b5c1d2",
        },
        ("业务规则任务", "数据输入关联", "数据输出关联", "serviceTaskOperator"),
    ),
    "C.8.1.bpmn": (
        False,
        {
            "_02232e32-c3d2-473c-a15d-9c5dca00eadc",
            "_0a1c4f20-509f-4aeb-baf9-acc762f4fdf9",
            "_1a818a94-ba6f-413b-a7e8-6f8fd2a11e32",
            "_2b960d84-feb1-46a9-a1a1-c300dd996b99",
            "_325973e7-0bc8-4136-b6df-be1e681d8608",
            "_4b72053b-8ebb-4ae6-99c6-7c93cf1c1d1b",
            "_5e16a4e0-0f23-482a-be47-d3edbc5741ba",
            "_79523269-7444-4b01-90e9-e23957a9d020",
            "_93ec9873-edf1-4549-b052-961994ec8234",
            "_9ed61a6a-7cc1-4ed1-86d8-03482b0983c9",
            "_a97c1a48-faba-447b-bfa6-7aa81a6fe0a0",
            "_f2b0da63-d841-4457-ad85-7d86c8b5c1d2",
        },
        ("业务规则任务", "数据输入关联", "数据输出关联", "serviceTaskOperator"),
    ),
    "C.9.0.bpmn": (
        False,
        {
            "Activity_ManualCheck",
            "BusinessRuleTask_CheckApplicationAutomatically",
            "SendTask_SendPolicy",
            "SendTask_SendRejection",
            "SequenceFlow_ApplicationAccepted",
            "SequenceFlow_ApplicationDeclined",
            "SequenceFlow_Red",
            "SequenceFlow_Yellow",
            "ServiceTask_CancelApplication",
            "ServiceTask_DeliverPolicy",
            "ServiceTask_GetCreditScore",
            "ServiceTask_RejectPolicy",
            "StartErrorEvent_Timeout",
        },
        ("不在同一个文件中", "错误事件定义不受引擎支持", "业务规则任务", "serviceTaskOperator"),
    ),
    "C.9.1.bpmn": (
        False,
        {
            "BoundaryEvent_1",
            "BoundaryEvent_2",
        },
        ("“P7D”是未加引号的 ISO 8601", "“R6/P1D”是未加引号的 ISO 8601"),
    ),
    "C.9.2.bpmn": (
        False,
        {
            "CallActivity_RequestDocument",
            "SequenceFlow_Yes",
            "StartTimerEvent_AcceleratedDecision",
            "TimerEvent_Timeout",
        },
        ("不在同一个文件中", "多实例", "ISO 8601"),
    ),
}

CJK = re.compile(r"[\u4e00-\u9fff]")


def drawn_ids(xml: bytes) -> set[str]:
    root = etree.fromstring(xml)
    return set(root.xpath("//*[local-name()='BPMNShape' or local-name()='BPMNEdge']/@bpmnElement"))


def test_the_reference_folder_holds_the_21_models():
    assert sorted(p.name for p in miwg_dir().glob("*.bpmn")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_model_outcome(name):
    deployable, element_ids, words = EXPECTED[name]
    xml = (miwg_dir() / name).read_bytes()
    parsed, problems = validate_bpmn(xml, source_name=name)  # never raises
    assert (parsed is not None) == deployable
    assert {p.element_id for p in problems} == element_ids
    reasons = "\n".join(p.reason for p in problems)
    for word in words:
        assert word in reasons, f"{name}: 缺少“{word}”\n{reasons}"
    for problem in problems:
        assert CJK.search(problem.reason), problem  # Chinese, never a bare English message
        assert problem.element_id, problem  # every problem pinned to an element
    ids_in_file = set(etree.fromstring(xml).xpath("//@id"))
    drawn = drawn_ids(xml)
    for problem in problems:
        # pinned to something the editor draws (C.1.1's data store has no reference shape)
        assert problem.element_id in drawn or (name == "C.1.1.bpmn" and problem.element_id in ids_in_file)


def test_validate_bpmn_command_over_the_reference_models():
    out, err = _Capture(), _Capture()
    with pytest.raises(CommandError) as info:
        call_command(
            "validate_bpmn", *sorted(str(p) for p in miwg_dir().glob("*.bpmn")), stdout=out, stderr=err
        )
    assert info.value.returncode == 1
    text = out.getvalue()
    for name, (_deployable, element_ids, _words) in EXPECTED.items():
        block = text.split(f"{name}: ", 1)[1].split(".bpmn: ", 1)[0]
        assert block.startswith("不可部署")
        for element_id in element_ids:
            assert f"  [{element_id}] " in block


def test_validate_bpmn_command_in_a_subprocess(tmp_path):
    files = sorted(str(p) for p in miwg_dir().glob("*.bpmn"))
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "validate_bpmn", *files],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    verdicts = re.findall(r"^(\S+\.bpmn): (可部署|不可部署)$", result.stdout, flags=re.M)
    assert [(Path(f).name, v) for f, v in verdicts] == [(Path(f).name, "不可部署") for f in files]
    assert "  [archiveInvoice] 服务任务“Archive Invoice”" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_bundled_diagrams_are_deployable():
    out = _Capture()
    call_command("validate_bpmn", *map(str, BUNDLED), stdout=out)  # no CommandError: exit status 0
    assert BUNDLED  # the glob found the bundled diagrams (7 without the demo lifecycle)
    assert out.getvalue().splitlines() == [f"{path}: 可部署" for path in BUNDLED]


def test_command_exit_code_2_for_a_missing_file(tmp_path):
    err = _Capture()
    with pytest.raises(CommandError) as info:
        call_command("validate_bpmn", str(tmp_path / "nope.bpmn"), stdout=_Capture(), stderr=err)
    assert info.value.returncode == 2
    assert "nope.bpmn: 无法读取（文件不存在）" in err.getvalue()


def test_command_prints_file_level_problems_as_file(tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text("hello")
    out = _Capture()
    with pytest.raises(CommandError) as info:
        call_command("validate_bpmn", str(broken), stdout=out)
    assert info.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{broken}: 不可部署"
    assert lines[1].startswith("  [文件] XML 格式错误（第 1 行")
    assert "没有找到“<”" in lines[1] and "Start tag expected" not in lines[1]


# ---------------------------------------------------------------------------
# Chinese messages


def test_broken_xml_is_reported_in_chinese_with_line_and_element():
    xml = diagram(chain(user_task("t", inner=DEPARTMENT))).replace("</bpmn:userTask>", "</bpmn:userTsk>")
    parsed, problems = validate_bpmn(xml)
    assert parsed is None and len(problems) == 1
    line = next(i for i, text in enumerate(xml.splitlines(), 1) if "</bpmn:userTsk>" in text)
    assert problems[0].reason.startswith(f"XML 格式错误（第 {line} 行")
    assert (
        "结束标签 </userTsk> 与第 9 行的开始标签 <userTask>" in problems[0].reason
        and "不匹配" in problems[0].reason
    )
    assert problems[0].element_id == "t"


def test_unknown_syntax_message_keeps_the_original_text():
    parsed, problems = validate_bpmn(b"<a><![CDATA[ never closed")
    assert parsed is None
    assert problems[0].reason.startswith("XML 格式错误")
    assert CJK.search(problems[0].reason)


def test_xsd_error_is_chinese_with_the_element_id():
    xml = diagram(chain(user_task("t", inner=DEPARTMENT))).replace(
        '<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" bogus="1"/>'
    )
    parsed, problems = validate_bpmn(xml)
    assert parsed is None
    assert [p.element_id for p in problems] == ["start"]
    assert "元素 bpmn:startEvent 不允许有属性 bogus" in problems[0].reason
    assert re.search(r"第 \d+ 行", problems[0].reason)


def test_xsd_errors_are_all_reported():
    xml = diagram(chain(user_task("t", inner=DEPARTMENT)), executable="maybe").replace(
        '<bpmn:userTask id="t"', '<bpmn:userTask id="t" foo="x"'
    )
    parsed, problems = validate_bpmn(xml)
    assert parsed is None
    reasons = {p.element_id: p.reason for p in problems}
    assert "不是有效的布尔值" in reasons["proc"]
    assert "不允许有属性 foo" in reasons["t"]


def test_unknown_schema_message_keeps_the_original_text():
    text = schema_message(
        "Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}task': Something new happened."
    )
    assert text.startswith("元素 bpmn:task不符合 BPMN 2.0 规范") and text.endswith("Something new happened.")
    assert "This element is not expected" not in schema_message(
        "Element '{http://www.omg.org/spec/BPMN/20100524/MODEL}foo': This element is not expected."
    )


def test_engine_messages_are_chinese_and_pinned():
    root = etree.fromstring(diagram(chain(user_task("t", inner=DEPARTMENT))).encode())
    task = root.xpath("//*[@id='t']")[0]
    known = spiff_problem(root, ValidationException("A Service Task must have an operator", node=task))
    assert known.element_id == "t" and known.reason.startswith("服务任务“办理”没有指定要调用的服务")
    unknown = spiff_problem(root, ValidationException("Brand new engine complaint", node=task))
    assert unknown.element_id == "t"
    assert unknown.reason.startswith("流程图校验失败") and "Brand new engine complaint" in unknown.reason
    crash = spiff_problem(root, KeyError("boom"))
    assert crash.reason.startswith("流程图解析失败（引擎内部错误）") and "boom" in crash.reason


def test_unsupported_constructs_are_all_named_at_once():
    body = """<bpmn:startEvent id="start"/>
    <bpmn:businessRuleTask id="rule" name="规则"/>
    <bpmn:intermediateThrowEvent id="link"><bpmn:linkEventDefinition name="x"/></bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="link"/>
    <bpmn:sequenceFlow id="f3" sourceRef="link" targetRef="end"/>"""
    parsed, problems = validate_bpmn(diagram(body))
    assert parsed is None
    assert {p.element_id for p in problems} == {"rule", "link"}
    reasons = " ".join(p.reason for p in problems)
    assert "业务规则任务" in reasons and "链接事件定义不受引擎支持" in reasons


class _Capture:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "".join(self.parts)
