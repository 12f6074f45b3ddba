"""归集公示 format spec v1 (record types as data) and its one validation (issue 13; DESIGN §4)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from casework.lifecycles.collection.record_types import (
    FIELD_TYPES,
    RECORD_TYPES,
    SPEC_VERSION,
    check_id_number,
    field_warnings,
    is_published,
    publication_end,
    spec_by_code,
    spec_problems,
    validate_fields,
)

TODAY = date(2026, 12, 3)
CREDIT_CODE = "91510802MA6BQ8TX6U"  # valid (make_credit_code)
AGENCY_CODE = "11510800008693219F"  # a government agency's code (authority 1)
PILOT_CODE = "91510802MA6BQ8TX6A"  # well-formed, wrong check character: an early pilot code
ID_NUMBER = "510802198503152317"
ID_NUMBER_X = "11010519491231002X"

SPECS = spec_by_code()

# Types whose records carry a natural person's data (a legal representative's or party's ID
# number, a pledgor/mortgagee who is a person, a sole trader's bank account, an unlicensed party).
NATURAL_PERSON_TYPES = {
    "permit",
    "penalty",
    "serious_violation",
    "chattel_mortgage",
    "equity_pledge",
    "tax_arrears",
    "wage_arrears",
    "small_business_support",
    "unlicensed_operation",
}


def validate(code: str, values: dict) -> tuple[dict, dict]:
    return validate_fields(SPECS[code], values, today=TODAY)


def labels(code: str) -> dict[str, str]:
    return {field["label"]: field["name"] for field in SPECS[code]["fields"]}


def good_permit(**changes) -> dict:
    values = {
        "permit_number": "  JY15108020012345 ",
        "permit_name": "食品经营许可证",
        "permit_category": "登记",  # a label, as typed in a spreadsheet
        "decision_date": "2026年11月3日",
        "valid_from": "2026/11/3",
        "valid_to": "2031-11-02",
        "permit_authority": "广元市利州区市场监督管理局",
        "permit_authority_code": AGENCY_CODE.lower(),
        "permit_content": "预包装食品销售（含冷藏冷冻食品）",
        "legal_representative": "张三",
        "legal_representative_id": ID_NUMBER_X.lower(),
    }
    values.update(changes)
    return values


def good_penalty(**changes) -> dict:
    values = {
        "penalty_number": "广利市监罚〔2026〕88号",
        "violation_type": "经营超过保质期的食品",
        "procedure": "普通程序",
        "penalty_kind": "fine",
        "penalty_content": "没收超过保质期的食品，罚款人民币伍仟元",
        "fine_amount": "5,000",
        "publication_class": "general",
        "decision_authority": "广元市利州区市场监督管理局",
        "decision_date": "2026-11-20",
        "legal_representative_id": ID_NUMBER,
    }
    values.update(changes)
    return values


def good_listing(**changes) -> dict:
    values = {
        "listing_document_number": "广利市监异列〔2026〕12号",
        "listing_reason": "annual_report",
        "listing_date": "2026-07-01",
        "listing_authority": "广元市利州区市场监督管理局",
    }
    values.update(changes)
    return values


# --- the spec as data ---------------------------------------------------------------------------


def test_every_type_of_seed_004_and_issue_13_is_declared_once():
    codes = [spec["code"] for spec in RECORD_TYPES]
    assert SPEC_VERSION == 2
    assert len(codes) == len(set(codes))
    assert set(codes) == {
        "permit",
        "penalty",
        "inspection_result",
        "abnormal_list",
        "serious_violation",
        "chattel_mortgage",
        "equity_pledge",
        "ip_pledge",
        "trademark",
        "qualification",
        "honor",
        "tax_arrears",
        "wage_arrears",
        "small_business_support",
        "unlicensed_operation",
    }
    assert {spec["name"] for spec in RECORD_TYPES} >= {
        "行政许可",
        "行政处罚",
        "经营异常名录",
        "无证无照经营查处",
    }
    assert spec_problems(RECORD_TYPES) == []


@pytest.mark.parametrize("spec", RECORD_TYPES, ids=lambda spec: spec["code"])
def test_document_and_produced_fields_exist_and_are_required(spec):
    fields = {field["name"]: field for field in spec["fields"]}
    assert fields[spec["document_field"]]["required"]
    assert fields[spec["produced_field"]]["required"]
    assert fields[spec["produced_field"]]["type"] == "date"
    assert spec["publication"]["basis"]  # where the period comes from is said


@pytest.mark.parametrize("spec", RECORD_TYPES, ids=lambda spec: spec["code"])
def test_fields_are_well_declared(spec):
    names = [field["name"] for field in spec["fields"]]
    assert len(names) == len(set(names))
    for field in spec["fields"]:
        assert set(field) == {
            "name",
            "label",
            "type",
            "required",
            "choices",
            "max_length",
            "personal",
            "help",
        }
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"])
        assert re.search(r"[\u4e00-\u9fff]", field["label"])
        assert field["type"] in FIELD_TYPES
        if field["type"] == "choice":
            assert field["choices"] and all(choice["code"] and choice["label"] for choice in field["choices"])
        if field["type"] in ("id_number", "phone", "bank_account"):
            assert field["personal"], field["name"]


@pytest.mark.parametrize("code", sorted(NATURAL_PERSON_TYPES))
def test_types_with_natural_person_data_declare_it_personal(code):
    assert any(field["personal"] for field in SPECS[code]["fields"])


def test_design_field_names_for_permit_penalty_and_abnormal_list():
    assert {"许可文件编号", "许可文件名称", "有效期自", "有效期至", "许可机关", "许可内容"} <= set(
        labels("permit")
    )
    assert {"行政处罚决定书文号", "违法行为类型", "行政处罚内容", "作出决定机关", "处罚决定日期"} <= set(
        labels("penalty")
    )
    assert {"列入原因", "列入日期", "列入机关", "移出原因", "移出日期", "移出机关"} <= set(
        labels("abnormal_list")
    )
    assert SPECS["permit"]["document_field"] == labels("permit")["许可文件编号"]
    assert SPECS["penalty"]["document_field"] == labels("penalty")["行政处罚决定书文号"]
    assert SPECS["penalty"]["produced_field"] == labels("penalty")["处罚决定日期"]
    procedure = next(field for field in SPECS["penalty"]["fields"] if field["label"] == "程序")
    assert [choice["label"] for choice in procedure["choices"]] == ["简易程序", "普通程序"]
    # The 双告知 permit feedback uses these names, so a fed-back permit needs no re-entry.
    assert {
        "permit_number",
        "permit_name",
        "valid_from",
        "valid_to",
        "permit_authority",
        "permit_content",
    } <= set(labels("permit").values())
    assert "decision_date" in labels("permit").values()


def test_the_spec_survives_a_json_round_trip():
    text = json.dumps(RECORD_TYPES, ensure_ascii=False)
    again = json.loads(text)
    assert again == RECORD_TYPES
    assert json.dumps(again, ensure_ascii=False) == text
    assert validate_fields(spec_by_code(again)["permit"], good_permit(), today=TODAY) == validate(
        "permit", good_permit()
    )


def test_an_edited_spec_with_mistakes_is_reported():
    broken = json.loads(json.dumps(RECORD_TYPES))
    broken.append(dict(broken[0]))
    broken[1]["document_field"] = "nope"
    broken[2]["fields"][0]["type"] = "colour"
    broken[3]["rules"].append({"rule": "not_before", "field": "removal_date", "other": "ghost"})
    problems = spec_problems(broken)
    assert "信息类别代码重复：permit" in problems
    assert "penalty：document_field 指向不存在的字段" in problems
    assert any("未知字段类型“colour”" in problem for problem in problems)
    assert "abnormal_list：规则引用不存在的字段“ghost”" in problems


# --- good data comes back cleaned ----------------------------------------------------------------


def test_a_good_permit_passes_and_comes_back_cleaned():
    cleaned, errors = validate("permit", good_permit())
    assert errors == {}
    assert cleaned == {
        "permit_number": "JY15108020012345",
        "permit_name": "食品经营许可证",
        "permit_category": "registration",
        "decision_date": "2026-11-03",
        "valid_from": "2026-11-03",
        "valid_to": "2031-11-02",
        "permit_authority": "广元市利州区市场监督管理局",
        "permit_authority_code": AGENCY_CODE,
        "permit_content": "预包装食品销售（含冷藏冷冻食品）",
        "legal_representative": "张三",
        "legal_representative_id": ID_NUMBER_X,
    }


def test_a_permit_from_a_spreadsheet_with_dates_and_numbers_as_cells():
    cleaned, errors = validate(
        "permit", good_permit(permit_number=20261103.0, decision_date=date(2026, 11, 3), valid_to="")
    )
    assert errors == {}
    assert cleaned["permit_number"] == "20261103"
    assert cleaned["decision_date"] == "2026-11-03"
    assert "valid_to" not in cleaned  # 长期有效: an empty optional field is left out


def test_a_good_penalty_passes_and_is_published_only_under_the_ordinary_procedure():
    cleaned, errors = validate("penalty", good_penalty())
    assert errors == {}
    assert cleaned["procedure"] == "ordinary"
    assert cleaned["fine_amount"] == "5000.00"
    assert cleaned["decision_date"] == "2026-11-20"
    assert is_published(SPECS["penalty"], cleaned)

    simple, errors = validate("penalty", good_penalty(procedure="simple", fine_amount="200"))
    assert errors == {}
    assert not is_published(SPECS["penalty"], simple)

    warning_only, errors = validate("penalty", good_penalty(penalty_kind="警告", fine_amount=None))
    assert errors == {}
    assert not is_published(SPECS["penalty"], warning_only)


def test_an_abnormal_listing_and_its_removal_pass():
    listed, errors = validate("abnormal_list", good_listing())
    assert errors == {}
    assert listed["listing_reason"] == "annual_report"
    assert publication_end(SPECS["abnormal_list"], listed, date(2026, 7, 3)) is None  # until removed

    removed, errors = validate(
        "abnormal_list",
        good_listing(
            removal_reason="已补报未报年份的年度报告并公示",
            removal_date="2026年9月1日",
            removal_authority="广元市利州区市场监督管理局",
        ),
    )
    assert errors == {}
    assert removed["removal_reason"] == "report_filed"
    assert removed["removal_date"] == "2026-09-01"
    assert publication_end(SPECS["abnormal_list"], removed, date(2026, 7, 3)) == date(2026, 9, 1)


# --- each kind of error has its own message ------------------------------------------------------


def test_a_missing_required_field():
    _, errors = validate("permit", good_permit(permit_number="   "))
    assert errors == {"permit_number": "“许可文件编号”不能为空"}


def test_an_unknown_field():
    _, errors = validate("permit", good_permit(colour="red"))
    assert errors == {"colour": "未知字段：colour"}


def test_a_date_in_no_accepted_spelling_or_that_does_not_exist():
    _, errors = validate("permit", good_permit(valid_from="3.11.2026", decision_date="2026-02-30"))
    assert (
        errors["valid_from"]
        == "“有效期自”日期“3.11.2026”格式不对，应为 2026-12-03、2026/12/03 或 2026年12月3日"
    )
    assert errors["decision_date"] == "“许可决定日期”日期“2026-02-30”不存在（2026年没有2月30日）"


def test_valid_to_before_valid_from():
    cleaned, errors = validate("permit", good_permit(valid_to="2026-11-02"))
    assert errors == {"valid_to": "“有效期至”不能早于“有效期自”"}


def test_a_produced_date_in_the_future():
    _, errors = validate("penalty", good_penalty(decision_date="2026-12-04"))
    assert errors == {"decision_date": "“处罚决定日期”不能晚于今天（2026-12-03）"}


def test_a_bad_credit_code_is_refused_and_a_pilot_code_only_warned():
    _, errors = validate("permit", good_permit(permit_authority_code="11510800008693219"))
    assert errors == {
        "permit_authority_code": "“许可机关统一社会信用代码”统一社会信用代码应为 18 位，实际 17 位"
    }
    _, errors = validate("permit", good_permit(permit_authority_code="11510800008693219I"))
    assert errors["permit_authority_code"] == (
        "“许可机关统一社会信用代码”第 18 位字符“I”不是合法字符（不使用 I、O、Z、S、V）"
    )

    values = good_permit(permit_authority_code=PILOT_CODE)
    cleaned, errors = validate("permit", values)
    assert errors == {}
    assert cleaned["permit_authority_code"] == PILOT_CODE
    assert field_warnings(SPECS["permit"], values) == {
        "permit_authority_code": "“许可机关统一社会信用代码”校验位应为“U”，实际为“A”（早期试点代码可能如此，请核对）"
    }
    assert field_warnings(SPECS["permit"], good_permit()) == {}


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("510802198503152318", "校验位（第 18 位）应为“7”，实际为“8”"),
        ("51080219850230231X", "第 7-14 位出生日期“19850230”不是有效日期"),
        ("990802198503152316", "前 6 位地址码“990802”的省级代码“99”不存在"),
        ("51080219850315231", "应为 18 位身份证号码，实际 17 位"),
        ("510802850315231", "是第一代 15 位身份证号码，请填写 18 位号码"),
        ("5108021985031523A7", "第 17 位字符“A”不是数字"),
    ],
)
def test_an_id_number_is_checked_structurally(number, message):
    _, problems = check_id_number(number, today=TODAY)
    assert message in problems
    _, errors = validate("penalty", good_penalty(legal_representative_id=number))
    assert errors == {"legal_representative_id": f"“法定代表人身份证号”{message}"}


def test_an_id_number_born_after_today_is_refused():
    _, problems = check_id_number("510802202612317511", today=TODAY)
    assert problems == ["第 7-14 位出生日期“20261231”不合理"]


def test_a_choice_outside_its_code_list():
    _, errors = validate("penalty", good_penalty(procedure="听证程序"))
    assert errors == {"procedure": "“程序”应为以下之一：简易程序、普通程序（收到“听证程序”）"}


def test_numbers_and_money():
    _, errors = validate("penalty", good_penalty(fine_amount="五千元", confiscated_amount="12.345"))
    assert errors == {
        "fine_amount": "“罚款金额（元）”应为数字（收到“五千元”）",
        "confiscated_amount": "“没收金额（元）”金额最多保留 2 位小数",
    }
    _, errors = validate("penalty", good_penalty(fine_amount=-1))
    assert errors == {"fine_amount": "“罚款金额（元）”不能为负数"}


def test_text_longer_than_its_limit():
    _, errors = validate("permit", good_permit(permit_number="号" * 101))
    assert errors == {"permit_number": "“许可文件编号”最多 100 个字，现有 101 个字"}


def test_simple_procedure_and_light_class_restrict_the_penalty_kind():
    _, errors = validate("penalty", good_penalty(procedure="simple", penalty_kind="license"))
    assert errors == {"penalty_kind": "“程序”为“简易程序”时，“处罚种类”只能是警告、通报批评、罚款"}
    _, errors = validate("penalty", good_penalty(publication_class="light", penalty_kind="confiscation"))
    assert errors == {
        "penalty_kind": "“公示期类别”为“仅通报批评或较低数额罚款（公示 3 个月）”时，“处罚种类”只能是通报批评、罚款"
    }


def test_removal_fields_go_together_and_not_before_the_listing():
    _, errors = validate("abnormal_list", good_listing(removal_date="2026-09-01"))
    assert errors == {
        "removal_reason": "填写了“移出日期”时，“移出原因”不能为空",
        "removal_authority": "填写了“移出日期”时，“移出机关”不能为空",
    }
    _, errors = validate(
        "abnormal_list",
        good_listing(
            removal_reason="reachable", removal_date="2026-06-30", removal_authority="利州区市场监管局"
        ),
    )
    assert errors == {"removal_date": "“移出日期”不能早于“列入日期”"}


def test_one_of_two_identifiers_of_a_party():
    values = {
        "registration_number": "川广动抵2026001",
        "registration_date": "2026-10-08",
        "registration_authority": "广元市利州区市场监督管理局",
        "mortgagee_name": "李四",
        "secured_amount": "120",
        "debt_from": "2026-10-08",
        "debt_to": "2027-10-07",
        "collateral": "挖掘机两台",
    }
    _, errors = validate("chattel_mortgage", values)
    assert errors == {"mortgagee_credit_code": "“抵押权人统一社会信用代码”与“抵押权人身份证号”至少填写一项"}
    cleaned, errors = validate("chattel_mortgage", {**values, "mortgagee_id_number": ID_NUMBER})
    assert errors == {}
    assert cleaned["secured_amount"] == "120.00"


def test_phone_bank_account_range_and_integer():
    _, errors = validate(
        "unlicensed_operation",
        {
            "case_number": "利市监无照〔2026〕5号",
            "violation_kind": "无照经营",
            "party_name": "王五",
            "party_phone": "12345",
            "activity": "流动摊点销售熟食",
            "found_date": "2026-11-30",
            "authority": "广元市利州区市场监督管理局",
            "measure": "stop",
        },
    )
    assert errors == {
        "party_phone": "“当事人联系电话”应为 11 位手机号或带区号的固定电话（如 0839-3266666），收到“12345”"
    }
    _, errors = validate(
        "small_business_support",
        {
            "document_number": "利财〔2026〕9号",
            "support_project": "小微企业创业补贴",
            "support_kind": "subsidy",
            "bank_account": "6222 02ab",
            "support_date": "2026-11-01",
            "authority": "利州区财政局",
        },
    )
    assert errors == {"bank_account": "“收款账号”应为 8-30 位数字的银行账号，收到“6222 02ab”"}
    trademark = {
        "registration_number": "61234567",
        "trademark_name": "蜀道",
        "goods": "茶叶",
        "registration_date": "2026-05-06",
        "valid_from": "2026-05-07",
        "valid_to": "2036-05-06",
    }
    _, errors = validate("trademark", {**trademark, "class_number": "46"})
    assert errors == {"class_number": "“国际分类号”应在 1-45 之间，收到 46"}
    _, errors = validate("trademark", {**trademark, "class_number": "30.5"})
    assert errors == {"class_number": "“国际分类号”应为整数，收到 30.5"}
    cleaned, errors = validate("trademark", {**trademark, "class_number": 30})
    assert errors == {} and cleaned["class_number"] == "30"


# --- publication periods -------------------------------------------------------------------------


def test_penalty_periods_light_general_and_a_longer_restriction():
    start = date(2026, 11, 30)
    general, _ = validate("penalty", good_penalty())
    assert publication_end(SPECS["penalty"], general, start) == date(2029, 11, 30)
    light, errors = validate("penalty", good_penalty(publication_class="light"))
    assert errors == {}
    assert publication_end(SPECS["penalty"], light, start) == date(2027, 2, 28)  # month end clamped
    restricted, errors = validate(
        "penalty", good_penalty(penalty_kind="restriction", restriction_end="2031-11-19")
    )
    assert errors == {}
    assert publication_end(SPECS["penalty"], restricted, start) == date(2031, 11, 19)


def test_permit_is_public_until_it_expires_or_indefinitely():
    permit, _ = validate("permit", good_permit())
    assert publication_end(SPECS["permit"], permit, date(2026, 11, 10)) == date(2031, 11, 2)
    lasting, _ = validate("permit", good_permit(valid_to=None))
    assert publication_end(SPECS["permit"], lasting, date(2026, 11, 10)) is None
