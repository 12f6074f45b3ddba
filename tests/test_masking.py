"""个人信息脱敏 (issue 13): field maskers, free-text masking and record values as the public sees them."""

from __future__ import annotations

import copy
import re

import pytest

from casework.directory.credit_code import check_credit_code, make_credit_code
from casework.lifecycles.collection.masking import (
    is_id_number,
    mask_address,
    mask_bank_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_values,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    """An 18-digit ID number with its GB 11643 check character (computed here, independently)."""
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


ID_A = make_id("43010219900307123")  # 长沙市芙蓉区, 1990-03-07
ID_B = make_id("11010519491231002")  # 北京市朝阳区, 1949-12-31 (check character X)
ID_C = make_id("43112119850615004")  # 永州市祁阳, 1985-06-15
IDS = (ID_A, ID_B, ID_C)

CREDIT_LETTERS = make_credit_code("9", "1", "430100", "MA4L1234")
CREDIT_DIGITS = make_credit_code("9", "1", "430102", "18765432")  # all digits, starts with 9
CREDIT_GOV = make_credit_code("1", "2", "430000", "44487651")  # 事业单位, letters only in the check


def full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})


def test_the_fixtures_are_what_they_claim():
    assert ID_A == "430102199003071234"
    assert ID_B == "11010519491231002X"
    assert all(is_id_number(i) for i in IDS)
    assert CREDIT_DIGITS.isdigit() and CREDIT_DIGITS.startswith("9")
    assert all(check_credit_code(c).ok for c in (CREDIT_LETTERS, CREDIT_DIGITS, CREDIT_GOV))
    assert not is_id_number(CREDIT_DIGITS)
    assert not is_id_number("430102199003071235")  # wrong check digit
    assert not is_id_number("430102199013071234")  # month 13


# --- field maskers ----------------------------------------------------------------------------


def test_mask_id_number_keeps_first_three_and_last_four():
    assert mask_id_number(ID_A) == "430***********1234"
    assert mask_id_number(ID_B) == "110***********002X"
    assert mask_id_number(ID_B.lower()) == "110***********002X"
    assert mask_id_number(full_width(ID_A)) == "430***********1234"
    assert mask_id_number("430102 19900307 1234") == "430***********1234"
    # 15-digit legacy number: no digit of the birth date (positions 7-12) is shown.
    assert mask_id_number("430102900307123") == "430*********123"
    # Another 证件号码 (passport) keeps only its ends.
    assert mask_id_number("E12345678") == "E*******8"
    assert mask_id_number("") == ""


def test_mask_phone_mobile_and_landline():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "+86 138****5678"
    assert mask_phone("１３９１２３４５６７８") == "139****5678"
    assert mask_phone("0731-84512345") == "0731-****2345"
    assert mask_phone("（0731）8451 2345") == "0731-****2345"
    assert mask_phone("010-65123456") == "010-****3456"
    assert mask_phone("02087654321") == "020-****4321"  # 02x: 3-digit area code
    assert mask_phone("073184512345") == "0731-****2345"
    assert mask_phone("0731-84512345-8001") == "0731-****2345-8001"  # the extension is not personal


def test_mask_bank_account_keeps_last_four():
    assert mask_bank_account("6222 0212 3456 7890") == "************7890"
    assert mask_bank_account("6217-0000-1234-5678-901") == "***************8901"
    assert mask_bank_account("43050178360800000123") == "****************0123"
    assert mask_bank_account("1234567") == "*******"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("湖南省长沙市开福区伍家岭街道新河路8号3栋201室", "湖南省长沙市开福区伍家岭街道****"),
        ("长沙市岳麓区麓山南路932号", "长沙市岳麓区****"),
        ("北京市朝阳区建国路88号SOHO现代城", "北京市朝阳区****"),
        ("上海市浦东新区张江镇科苑路100弄5号", "上海市浦东新区张江镇****"),
        ("湖南省长沙县星沙镇开元东路", "湖南省长沙县星沙镇****"),
        ("湖南省浏阳市集里街道金沙北路", "湖南省浏阳市集里街道****"),
        ("湘西土家族苗族自治州吉首市乾州街道人民北路", "湘西土家族苗族自治州吉首市乾州街道****"),
        ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市青秀区****"),
        ("杭州市西湖区文三路", "杭州市西湖区****"),
        # A 超市 or 小区 further on does not stretch a level over the street address.
        ("岳麓区桃子湖超市旁", "岳麓区****"),
        ("开福区芙蓉小区3栋", "开福区****"),
        # Nothing administrative at the start: all hidden.
        ("人民路5号", "****"),
        # Only administrative levels: nothing personal.
        ("长沙市开福区", "长沙市开福区"),
    ],
)
def test_mask_address_keeps_down_to_the_township(address, masked):
    assert mask_address(address) == masked
    assert mask_address(masked) == masked


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("阿依古丽·买买提") == "阿*******"
    assert mask_name("王") == "*"
    assert mask_name("张**") == "张**"


# --- free text --------------------------------------------------------------------------------


def sentence() -> str:
    return (
        f"当事人王某某（身份证号码：{ID_A}，联系电话13812345678）于2023年5月12日在长沙市开福区经营，"
        f"同住人身份证 {ID_B[:6]} {ID_B[6:14]} {ID_B[14:]}，另一人身份证号{full_width(ID_C)}；"
        f"另留电话138 1234 5678、139-8765-4321、１３７００７３１０００及固话0731-84512345、（0731）8451 2345。"
        f"涉事企业统一社会信用代码{CREDIT_LETTERS}，上级单位{CREDIT_DIGITS}，主管单位{CREDIT_GOV}，"
        f"依据湘商改〔2016〕7号、长市监罚字〔2023〕第0012号，自2016-05-12起，决定日期20230512，"
        f"罚款人民币13500000000元及¥13800000000，食品经营许可证JY14301020012345，"
        f"退款至银行卡6222021234567890123。"
    )


def test_no_raw_id_number_survives_mask_text():
    masked = mask_text(sentence())
    digits_only = re.sub(r"[^0-9X]", "", masked)
    for id_number in IDS:
        assert id_number not in masked
        assert id_number not in digits_only.replace(" ", "")
        assert full_width(id_number) not in masked
    assert "430***********1234" in masked
    assert "110***********002X" in masked
    assert "431***********0044" in masked


def test_mask_text_masks_phones_and_cards():
    masked = mask_text(sentence())
    assert "13812345678" not in masked and "138****5678" in masked
    assert "138 1234 5678" not in masked
    assert "139-8765-4321" not in masked and "139****4321" in masked
    assert "１３７００７３１０００" not in masked and "137****1000" in masked
    assert "0731-84512345" not in masked and "0731-****2345" in masked
    assert "(0731)****2345" in masked
    assert "6222021234567890123" not in masked and "***************0123" in masked


def test_mask_text_leaves_codes_document_numbers_dates_and_amounts():
    masked = mask_text(sentence())
    for kept in (
        CREDIT_LETTERS,
        CREDIT_DIGITS,
        CREDIT_GOV,
        "湘商改〔2016〕7号",
        "长市监罚字〔2023〕第0012号",
        "2023年5月12日",
        "2016-05-12",
        "20230512",
        "13500000000元",
        "¥13800000000",
        "JY14301020012345",
        "长沙市开福区经营",
    ):
        assert kept in masked, kept


def test_an_all_digit_credit_code_alone_is_not_an_id_number():
    for text in (CREDIT_DIGITS, f"统一社会信用代码：{CREDIT_DIGITS}", f"代码 {CREDIT_DIGITS} 。"):
        assert mask_text(text) == text


def test_mask_text_is_idempotent():
    once = mask_text(sentence())
    assert once != sentence()
    assert mask_text(once) == once
    for value in ("430***********1234", "138****5678", "0731-****2345", "************7890"):
        assert mask_text(value) == value


def test_digits_inside_longer_runs_are_not_numbers_of_their_own():
    for text in (
        f"编号1{ID_A}5",  # 20 digits: not an ID number
        "流水号913812345678001",
        "比例3.13812345678",
        "规格1920x13812345678",
    ):
        assert mask_text(text) == text


def test_a_mistyped_id_number_is_still_masked():
    wrong_check = ID_A[:17] + ("5" if ID_A[17] != "5" else "6")
    assert mask_text(f"身份证号{wrong_check}。") == "身份证号430***********" + wrong_check[-4:] + "。"


def test_legacy_numbers():
    assert mask_text("身份证号430102900307123。") == "身份证号430*********123。"


def test_account_numbers_after_an_account_word():
    assert mask_text("开户账号：4301 0020 0123 45") == "开户账号：**********2345"


def test_mask_text_empty():
    assert mask_text("") == ""


# --- record values ----------------------------------------------------------------------------

FIELDS = [
    {"name": "decision_number", "label": "决定书文号", "type": "text", "personal": False},
    {"name": "facts", "label": "违法事实", "type": "textarea", "personal": False},
    {"name": "decided_on", "label": "决定日期", "type": "date", "personal": False},
    {"name": "party_name", "label": "当事人名称（姓名）", "type": "text", "personal": True},
    {"name": "party_id_number", "label": "当事人身份证号", "type": "id_number", "personal": True},
    {"name": "party_phone", "label": "当事人联系电话", "type": "phone", "personal": True},
    {"name": "party_address", "label": "当事人住址", "type": "address", "personal": True},
    {"name": "bank_account", "label": "收款账号", "type": "bank_account", "personal": True},
    {"name": "birth_date", "label": "出生日期", "type": "date", "personal": True},
    {"name": "note", "label": "备注", "type": "text", "personal": True},
    {"name": "enterprise_phone", "label": "企业联系电话", "type": "phone", "personal": False},
    {"name": "enterprise_address", "label": "住所", "type": "address", "personal": False},
    {"name": "agent_id", "label": "代理人证件号", "type": "id_number", "personal": False},
    {"name": "fine", "label": "罚款金额", "type": "money", "personal": False},
]


def test_mask_values_by_declaration_and_pattern():
    values = {
        "decision_number": "长市监罚字〔2023〕第0012号",
        "facts": f"当事人张三丰（身份证号{ID_A}，电话13812345678）无照经营。",
        "decided_on": "2023-05-12",
        "party_name": "张三丰",
        "party_id_number": ID_B,
        "party_phone": "0731-84512345",
        "party_address": "湖南省长沙市开福区伍家岭街道新河路8号",
        "bank_account": "6222 0212 3456 7890",
        "birth_date": "1990-03-07",
        "note": "与当事人系夫妻关系",
        "enterprise_phone": "0731-88888888",
        "enterprise_address": "长沙市岳麓区麓谷大道627号",
        "agent_id": ID_C,
        "fine": "5000.00",
        "undeclared": f"旧字段 {ID_A}",
        "empty": None,
    }
    before = copy.deepcopy(values)
    masked = mask_values(FIELDS, values)
    assert values == before  # the input is not touched
    assert masked is not values
    assert masked == {
        "decision_number": "长市监罚字〔2023〕第0012号",
        "facts": "当事人张三丰（身份证号430***********1234，电话138****5678）无照经营。",
        "decided_on": "2023-05-12",
        "party_name": "张**",
        "party_id_number": "110***********002X",
        "party_phone": "0731-****2345",
        "party_address": "湖南省长沙市开福区伍家岭街道****",
        "bank_account": "************7890",
        "birth_date": "***",
        "note": "***",
        "enterprise_phone": "0731-88888888",  # an enterprise's own number is public
        "enterprise_address": "长沙市岳麓区麓谷大道627号",
        "agent_id": "431***********0044",  # an ID number is personal whatever the declaration
        "fine": "5000.00",
        "undeclared": "旧字段 430***********1234",
        "empty": None,
    }
    assert mask_values(FIELDS, masked) == masked
    assert not any(i in repr(masked) for i in IDS)
