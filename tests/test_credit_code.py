"""统一社会信用代码 (GB 32100-2015) and legacy 15-digit 注册号 checks in ``casework.credit_code``.

Expected check characters come from the small reference implementations below, written independently
of the module (dict lookups, ``int(ch, 36)``, ``functools.reduce``), plus one example worked by hand.
No real company's code is quoted from memory.
"""

from __future__ import annotations

import random
import string
from functools import reduce

import pytest

from casework.directory.credit_code import (
    CHARSET,
    CHECK_WEIGHTS,
    CodeCheck,
    CodeProblem,
    check_credit_code,
    check_registration_number,
    expected_check_char,
    expected_org_check_char,
    expected_registration_check_digit,
    make_credit_code,
)

# --- independent reference implementation ---------------------------------------------------------

REF_LETTERS = "".join(ch for ch in string.ascii_uppercase if ch not in "IOZSV")
REF_VALUES = {ch: value for value, ch in enumerate(string.digits + REF_LETTERS)}
REF_CHARS = {value: ch for ch, value in REF_VALUES.items()}
REF_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REF_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
REF_PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
]  # fmt: skip


def ref_check_char(first17: str) -> str:
    remainder = sum(REF_VALUES[ch] * w for ch, w in zip(first17, REF_WEIGHTS, strict=True)) % 31
    return REF_CHARS[0 if remainder == 0 else 31 - remainder]


def ref_org_check(body8: str) -> str:
    remainder = sum(int(ch, 36) * w for ch, w in zip(body8, REF_ORG_WEIGHTS, strict=True)) % 11
    return {0: "0", 1: "X"}.get(remainder, str(11 - remainder))


def ref_reg_product(digits: str) -> int:
    """ISO 7064 MOD 11,10 running product after ``digits`` (starting at 10)."""

    def step(product: int, digit: str) -> int:
        total = (product + int(digit)) % 10
        return ((total if total else 10) * 2) % 11

    return reduce(step, digits, 10)


def ref_reg_check(first14: str) -> str:
    product = ref_reg_product(first14)
    return next(str(c) for c in range(10) if (product + c) % 10 == 1)


def ref_code(first16: str) -> str:
    first17 = first16 + ref_org_check(first16[8:])
    return first17 + ref_check_char(first17)


def codes_of(check: CodeCheck) -> list[str]:
    return [p.code for p in check.problems]


def replace_at(code: str, position: int, ch: str) -> str:
    return code[: position - 1] + ch + code[position:]


def test_reference_tables_match_the_standard():
    assert len(REF_VALUES) == 31
    assert "".join(REF_CHARS[v] for v in range(31)) == CHARSET
    assert REF_WEIGHTS == [3**i % 31 for i in range(17)] == list(CHECK_WEIGHTS)


# --- valid codes -----------------------------------------------------------------------------------


def test_worked_example_by_hand():
    # Organization code MA6CA5X1: M=22 A=10 6 C=12 A=10 5 X=33 1, weights 3 7 9 10 5 8 4 2
    #   66 + 70 + 54 + 120 + 50 + 40 + 132 + 2 = 534; 534 mod 11 = 6; 11 - 6 = 5 → "5".
    # Credit code 91510800MA6CA5X15 (charset values; M=21, X=29 there):
    #   9·1 + 1·3 + 5·9 + 1·27 + 0·19 + 8·26 + 0·16 + 0·17 + 21·20 + 10·29 + 6·25 + 12·13 + 10·8
    #   + 5·24 + 29·10 + 1·30 + 5·28 = 1968; 1968 mod 31 = 15; 31 - 15 = 16 → "G".
    assert expected_org_check_char("MA6CA5X1") == ref_org_check("MA6CA5X1") == "5"
    assert expected_check_char("91510800MA6CA5X15") == ref_check_char("91510800MA6CA5X15") == "G"
    code = make_credit_code("9", "1", "510800", "MA6CA5X1")
    assert code == "91510800MA6CA5X15G"
    check = check_credit_code(code)
    assert check == CodeCheck("91510800MA6CA5X15G", ())
    assert check.ok and check.structural_ok
    assert check.kind_label == "企业"
    assert check.division_code == "510800"


@pytest.mark.parametrize(
    ("authority", "kind", "division", "body", "label"),
    [
        ("9", "1", "110108", "MA01ABCD", "企业"),
        ("9", "2", "330106", "L1234567", "个体工商户"),
        ("9", "3", "650100", "MA77XY12", "农民专业合作社"),
        ("1", "1", "110000", "00001234", None),  # 机构编制 · 机关
        ("1", "2", "440300", "12345678", None),  # 机构编制 · 事业单位
        ("5", "1", "310000", "50000000", None),  # 民政 · 社会团体
        ("5", "3", "820000", "MJ0000AB", None),  # 民政 · 基金会
        ("Y", "1", "710000", "00000001", None),  # 其他
        ("A", "9", "540100", "H0000001", None),
        ("N", "2", "230100", "R9999999", None),
    ],
)
def test_made_codes_pass_and_match_reference(authority, kind, division, body, label):
    code = make_credit_code(authority, kind, division, body)
    assert code == ref_code(authority + kind + division + body)
    assert code[16] == ref_org_check(body)
    check = check_credit_code(code)
    assert check.ok, check.problems
    assert check.kind_label == label
    assert check.division_code == division


def test_org_check_x_and_zero_and_final_check_zero():
    # Σ mod 11 == 1 → 10 → "X"; Σ mod 11 == 0 → 11 → "0"; Σ mod 31 == 0 → 31 → "0".
    assert expected_org_check_char("00000006") == ref_org_check("00000006") == "X"  # 6·2 = 12
    assert expected_org_check_char("00000019") == ref_org_check("00000019") == "0"  # 1·4 + 9·2 = 22
    code = make_credit_code("9", "2", "330106", "00000036")
    assert code == "923301060000003690"
    assert ref_check_char(code[:17]) == "0"
    assert check_credit_code(code).ok
    assert check_credit_code(make_credit_code("9", "1", "320500", "00000006")).ok


def test_full_width_lowercase_and_whitespace_are_normalized():
    code = make_credit_code("9", "1", "510800", "MA6CA5X1")
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    assert full_width.startswith("９１５１０８００ＭＡ")
    check = check_credit_code("\u3000 " + full_width + "\n")
    assert check.code == code
    assert check.ok
    lower = check_credit_code(code.lower())
    assert lower.code == code and lower.ok
    mixed = check_credit_code("９１５１０８００ｍａ" + code[10:].lower())
    assert mixed.code == code and mixed.ok
    assert expected_check_char(code[:17].lower()) == code[17]
    assert expected_org_check_char("ｍａ６ｃａ５ｘ１") == "5"


# --- problems ----------------------------------------------------------------------------------------


VALID = make_credit_code("9", "1", "510800", "MA6CA5X1")  # 91510800MA6CA5X15G


@pytest.mark.parametrize("value", ["91510800MA6CA5X15", "91510800MA6CA5X15GG", ""])
def test_length(value):
    check = check_credit_code(value)
    assert check.problems == (
        CodeProblem("length", None, f"统一社会信用代码应为 18 位，实际 {len(value)} 位"),
    )
    assert not check.ok and not check.structural_ok
    assert check.kind_label is None and check.division_code is None


def test_length_17_message_matches_spec():
    assert check_credit_code(VALID[:17]).problems[0].message == "统一社会信用代码应为 18 位，实际 17 位"


def test_wrong_length_also_reports_illegal_characters():
    check = check_credit_code("9151O800")
    assert codes_of(check) == ["length", "charset"]
    assert check.problems[1].position == 5


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "*"])
def test_charset(bad):
    value = replace_at(VALID, 12, bad)
    check = check_credit_code(value)
    assert check.problems == (
        CodeProblem("charset", 12, f"第 12 位字符“{bad}”不是合法字符（不使用 I、O、Z、S、V）"),
    )
    assert not check.structural_ok


def test_charset_message_matches_spec():
    check = check_credit_code(replace_at(VALID, 5, "O"))
    assert check.problems == (
        CodeProblem("charset", 5, "第 5 位字符“O”不是合法字符（不使用 I、O、Z、S、V）"),
    )


def test_problems_of_different_kinds_come_in_position_order():
    check = check_credit_code("0151080OMA6CA5XS5G")
    assert [(p.code, p.position) for p in check.problems] == [
        ("authority", 1),
        ("charset", 8),
        ("charset", 16),
    ]


def test_several_charset_problems_in_position_order():
    check = check_credit_code("I1510800MA6CA5XS5V")
    assert [(p.code, p.position) for p in check.problems] == [
        ("charset", 1),
        ("charset", 16),
        ("charset", 18),
    ]


@pytest.mark.parametrize("authority", ["0", "B", "X"])
def test_authority(authority):
    first17 = authority + VALID[1:17]
    check = check_credit_code(first17 + ref_check_char(first17))
    assert check.problems == (
        CodeProblem("authority", 1, f"第 1 位登记管理部门代码“{authority}”无效（应为 1-9、A、N、Y 之一）"),
    )
    assert check.kind_label is None


@pytest.mark.parametrize("kind", ["0", "4", "9", "A"])
def test_authority_9_kind_is_strict(kind):
    first17 = "9" + kind + VALID[2:17]
    check = check_credit_code(first17 + ref_check_char(first17))
    assert codes_of(check) == ["kind"]
    problem = check.problems[0]
    assert problem.position == 2
    assert problem.message.startswith(f"第 2 位机构类别代码“{kind}”无效")
    assert "1（企业）、2（个体工商户）或 3（农民专业合作社）" in problem.message
    assert check.kind_label is None
    with pytest.raises(ValueError, match="机构类别"):
        make_credit_code("9", kind, "510800", "MA6CA5X1")


@pytest.mark.parametrize("authority", ["1", "5", "Y", "A"])
@pytest.mark.parametrize("kind", ["1", "2", "3", "4", "9", "0", "B"])
def test_other_authorities_kind_is_permissive(authority, kind):
    assert check_credit_code(make_credit_code(authority, kind, "510800", "MA6CA5X1")).ok


@pytest.mark.parametrize("province", ["99", "00", "16", "20", "24", "47", "55", "66", "70", "72", "83"])
def test_invalid_province(province):
    division = province + "0100"
    first16 = "91" + division + "MA6CA5X1"
    check = check_credit_code(ref_code(first16))
    assert check.problems == (
        CodeProblem("division", 3, f"行政区划码“{division}”的省级代码“{province}”不存在"),
    )
    assert check.division_code == division
    with pytest.raises(ValueError, match="省级代码"):
        make_credit_code("9", "1", division, "MA6CA5X1")


@pytest.mark.parametrize("province", REF_PROVINCES)
def test_every_valid_province(province):
    assert check_credit_code(make_credit_code("9", "1", province + "0000", "MA6CA5X1")).ok


def test_division_must_be_digits():
    first16 = "91" + "5108A0" + "MA6CA5X1"
    check = check_credit_code(ref_code(first16))
    assert check.problems == (CodeProblem("division", 7, "第 3-8 位行政区划码应为 6 位数字，第 7 位为“A”"),)
    assert check.division_code is None
    assert not check.structural_ok


def test_wrong_final_check_char_is_structural_ok_but_not_ok():
    value = VALID[:17] + "X"
    check = check_credit_code(value)
    assert check.problems == (CodeProblem("check_char", 18, "校验位应为“G”，实际为“X”"),)
    assert check.structural_ok and not check.ok
    assert check.kind_label == "企业" and check.division_code == "510800"


def test_check_char_message_matches_spec():
    candidates = (make_credit_code("9", "1", "510800", f"{n:08d}")[:17] for n in range(1000))
    first17 = next(c for c in candidates if ref_check_char(c) == "X")
    check = check_credit_code(first17 + "3")
    assert check.problems[0].message == "校验位应为“X”，实际为“3”"


def test_wrong_org_check_is_structural_ok_but_not_ok():
    # Position 17 wrong, position 18 recomputed over it: only the organization-code check disagrees.
    first17 = VALID[:16] + "7"
    value = first17 + ref_check_char(first17)
    check = check_credit_code(value)
    assert check.problems == (
        CodeProblem("org_check", 17, "组织机构代码校验位（第 17 位）应为“5”，实际为“7”"),
    )
    assert check.structural_ok and not check.ok


def test_org_check_message_matches_spec():
    body = next(f"{n:08d}" for n in range(100) if ref_org_check(f"{n:08d}") == "7")
    first17 = "91510800" + body + "5"
    check = check_credit_code(first17 + ref_check_char(first17))
    assert check.problems[0].message == "组织机构代码校验位（第 17 位）应为“7”，实际为“5”"


def test_both_check_chars_wrong_is_still_structural_ok():
    check = check_credit_code(VALID[:16] + "79")
    assert codes_of(check) == ["org_check", "check_char"]
    assert [p.position for p in check.problems] == [17, 18]
    assert check.structural_ok and not check.ok


def test_structural_problem_plus_check_problem_is_not_structural_ok():
    first17 = "91990800MA6CA5X15"
    wrong = "0" if ref_check_char(first17) != "0" else "1"
    check = check_credit_code(first17 + wrong)
    assert codes_of(check) == ["division", "check_char"]
    assert not check.structural_ok and not check.ok
    check = check_credit_code("94" + VALID[2:16] + "0" + VALID[17])
    assert codes_of(check)[:2] == ["kind", "org_check"]
    assert not check.structural_ok


# --- helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "arg", "match"),
    [
        (expected_check_char, "9151080", "17 位"),
        (expected_check_char, "91510800MA6CA5XO5", "第 16 位字符“O”"),
        (expected_org_check_char, "MA6CA5X", "8 位"),
        (expected_org_check_char, "MA6CA5-1", "第 7 位"),
        (expected_registration_check_digit, "1101080000000", "14 位数字"),
        (expected_registration_check_digit, "1101080000000A", "14 位数字"),
    ],
)
def test_helpers_reject_bad_input(call, arg, match):
    with pytest.raises(ValueError, match=match):
        call(arg)


def test_org_check_accepts_all_gb11714_letters():
    # GB 11714 bodies may use I, O, Z, S, V even though a credit code may not.
    for body in ("IOZSV123", "ZZZZZZZZ", "00000000", "A1B2C3D4"):
        assert expected_org_check_char(body) == ref_org_check(body)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("9", "1", "51080", "MA6CA5X1"), "6 位"),
        (("9", "1", "510800", "MA6CA5X"), "8 位"),
        (("9", "11", "510800", "MA6CA5X1"), "各应为 1 位"),
        (("0", "1", "510800", "MA6CA5X1"), "登记管理部门"),
        (("9", "1", "510800", "MA6CA5O1"), "第 15 位字符“O”"),
        (("Z", "1", "510800", "MA6CA5X1"), "第 1 位字符“Z”"),
    ],
)
def test_make_credit_code_rejects_bad_parts(args, match):
    with pytest.raises(ValueError, match=match):
        make_credit_code(*args)


# --- legacy 15-digit 注册号 ---------------------------------------------------------------------------


def test_registration_worked_example_by_hand():
    # 310000000000000 + check: p=10; d=3: s=3, p=6; d=1: s=7, p=3; d=0: s=3, p=6; then for each 0:
    # s=6 → p=1; s=1 → p=2; s=2 → p=4; s=4 → p=8; s=8 → p=5; s=5 → p=10; s=10 → p=9; s=9 → p=7;
    # s=7 → p=3; s=3 → p=6; s=6 → p=1 (after 14 digits). (1 + c) mod 10 == 1 → c = 0.
    assert ref_reg_product("31000000000000") == 1
    assert expected_registration_check_digit("31000000000000") == "0"
    check = check_registration_number("310000000000000")
    assert check.ok and check.division_code == "310000" and check.kind_label is None


@pytest.mark.parametrize("first14", ["11010800000001", "44030100000000", "51080000012345", "65010098765432"])
def test_registration_number_valid(first14):
    value = first14 + ref_reg_check(first14)
    assert expected_registration_check_digit(first14) == value[-1]
    assert (ref_reg_product(first14) + int(value[-1])) % 10 == 1
    check = check_registration_number(value)
    assert check.ok, check.problems
    assert check.code == value and check.division_code == first14[:6]
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in value)
    assert check_registration_number(f" {full_width} ").ok


def test_registration_number_problems():
    valid = "11010800000001" + ref_reg_check("11010800000001")
    wrong = str((int(valid[-1]) + 1) % 10)
    assert check_registration_number(valid[:14] + wrong).problems == (
        CodeProblem("check_char", 15, f"校验位应为“{valid[-1]}”，实际为“{wrong}”"),
    )
    check = check_registration_number(valid[:14])
    assert check.problems == (CodeProblem("length", None, "注册号应为 15 位，实际 14 位"),)
    check = check_registration_number(valid[:3] + "A" + valid[4:])
    assert check.problems == (CodeProblem("charset", 4, "第 4 位字符“A”不是数字"),)
    assert not check.structural_ok
    first14 = "99010800000001"
    check = check_registration_number(first14 + ref_reg_check(first14))
    assert check.problems == (
        CodeProblem("division", 1, "第 1-6 位登记机关行政区划码“990108”的省级代码“99”不存在"),
    )
    assert not check.structural_ok
    # A credit code is not a registration number and vice versa.
    check = check_registration_number(VALID)
    assert [(p.code, p.position) for p in check.problems] == [("length", None)] + [
        ("charset", position) for position in (9, 10, 12, 13, 15, 18)
    ]
    assert codes_of(check_credit_code(valid)) == ["length"]


def test_registration_single_digit_errors_are_detected():
    rng = random.Random(7064)
    for _ in range(300):
        first14 = rng.choice(REF_PROVINCES) + "".join(rng.choice(string.digits) for _ in range(12))
        value = first14 + expected_registration_check_digit(first14)
        assert check_registration_number(value).ok
        for position in range(3, 16):  # keep the province valid
            for digit in string.digits:
                if digit != value[position - 1]:
                    mutated = replace_at(value, position, digit)
                    assert codes_of(check_registration_number(mutated)) == ["check_char"]


# --- exhaustive property ------------------------------------------------------------------------------


def random_valid_code(rng: random.Random) -> str:
    authority = rng.choice("123456789ANY")
    kind = rng.choice("123") if authority == "9" else rng.choice(CHARSET)
    division = rng.choice(REF_PROVINCES) + "".join(rng.choice(string.digits) for _ in range(4))
    body = "".join(rng.choice(CHARSET) for _ in range(8))
    return make_credit_code(authority, kind, division, body)


def test_weights_detect_every_single_substitution():
    # 31 is prime and every weight is non-zero mod 31, so w·Δ ≢ 0 (mod 31) for Δ in 1..30.
    for weight in CHECK_WEIGHTS:
        assert weight % 31 != 0
        assert all(weight * delta % 31 for delta in range(1, 31))


def test_every_single_character_substitution_changes_the_check_char():
    rng = random.Random(32100)
    for _ in range(2000):
        code = random_valid_code(rng)
        assert code == ref_code(code[:16])
        assert check_credit_code(code).ok
        for index in range(17):
            for ch in CHARSET:
                if ch != code[index]:
                    mutated17 = code[:index] + ch + code[index + 1 : 17]
                    assert expected_check_char(mutated17) != code[17], (code, index + 1, ch)
        # End to end on one random substitution per code, at positions 1-18.
        position = rng.randint(1, 18)
        ch = rng.choice(CHARSET.replace(code[position - 1], ""))
        mutated = check_credit_code(replace_at(code, position, ch))
        assert not mutated.ok
        assert "check_char" in codes_of(mutated), (code, position, ch)
