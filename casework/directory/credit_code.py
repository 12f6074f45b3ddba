"""统一社会信用代码（GB 32100-2015）与旧版 15 位工商注册号的校验。

Pure Python, no Django: the functions here *report* what is wrong with a code and leave policy to the
caller. In particular some early pilot credit codes fail the check-character computation yet are legal
identifiers; :attr:`CodeCheck.structural_ok` lets a caller accept those while :attr:`CodeCheck.ok`
stays strict.

Layout of the 18-character credit code (positions are 1-based)::

    1      登记管理部门代码 (registration authority)
    2      机构类别代码 (entity kind under that authority)
    3-8    登记管理机关行政区划码 (GB/T 2260 division code)
    9-17   主体标识码 = GB 11714 组织机构代码 (8 body characters + its check character at 17)
    18     校验码 (check character, GB 32100 mod-31 scheme)

Legacy 15-digit 工商注册号: digits 1-6 are the registering authority's division code and digit 15 is an
ISO 7064 MOD 11,10 check digit over digits 1-14.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTHORITIES",
    "CHARSET",
    "CHECK_WEIGHTS",
    "CREDIT_CODE_LENGTH",
    "MARKET_REGULATION_KINDS",
    "ORG_CHECK_WEIGHTS",
    "PROVINCE_CODES",
    "REGISTRATION_NUMBER_LENGTH",
    "CodeCheck",
    "CodeProblem",
    "check_credit_code",
    "check_registration_number",
    "expected_check_char",
    "expected_org_check_char",
    "expected_registration_check_digit",
    "make_credit_code",
    "normalize",
]

#: The 31 characters a credit code may use; a character's value is its index here.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}

CREDIT_CODE_LENGTH = 18
REGISTRATION_NUMBER_LENGTH = 15

#: Weights of positions 1-17 for the final check character: 3^(i-1) mod 31.
CHECK_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

#: Weights of the 8 body characters of a GB 11714 organization code.
ORG_CHECK_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

#: 登记管理部门代码 allowed by GB 32100-2015.
AUTHORITIES = frozenset("123456789ANY")

#: 机构类别 labels under authority 9 (工商/市场监管), the only authority checked strictly.
MARKET_REGULATION_KINDS = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}

#: First two digits of a GB/T 2260 division code (province level).
# GB/T 2260 provinces, plus 10 (100000): bodies registered at national level use it in their codes.
PROVINCE_CODES = frozenset(
    f"{n:02d}"
    for n in (
        10,
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    )
)

_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class CodeProblem:
    """One thing wrong with a code.

    ``code`` is a stable machine code (``length``, ``charset``, ``authority``, ``kind``, ``division``,
    ``org_check``, ``check_char``); ``position`` is the 1-based character position it concerns, or
    ``None`` when it concerns the whole value; ``message`` is a specific Chinese explanation.
    """

    code: str
    position: int | None
    message: str


@dataclass(frozen=True)
class CodeCheck:
    """Result of checking a credit code (18 characters) or a registration number (15 digits).

    ``code`` is the normalized input (full-width → half-width, stripped, uppercased) and ``problems``
    everything found wrong with it, in position order.
    """

    code: str
    problems: tuple[CodeProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing at all is wrong, check characters included."""
        return not self.problems

    @property
    def structural_ok(self) -> bool:
        """True when the code is well-formed and at most its check character(s) disagree.

        This is the "pilot code" case: callers that must accept early codes whose check characters
        were computed differently can accept ``structural_ok`` codes.
        """
        return all(p.code in ("check_char", "org_check") for p in self.problems)

    @property
    def kind_label(self) -> str | None:
        """机构类别 for an authority-9 credit code (企业 / 个体工商户 / 农民专业合作社), else ``None``."""
        if len(self.code) != CREDIT_CODE_LENGTH or self.code[0] != "9":
            return None
        return MARKET_REGULATION_KINDS.get(self.code[1])

    @property
    def division_code(self) -> str | None:
        """The 6-digit administrative division code (positions 3-8 of a credit code, 1-6 of a
        registration number), or ``None`` when the value is not of either length or those characters
        are not all digits. The province prefix is *not* re-validated here: see ``problems``."""
        if len(self.code) == CREDIT_CODE_LENGTH:
            division = self.code[2:8]
        elif len(self.code) == REGISTRATION_NUMBER_LENGTH:
            division = self.code[:6]
        else:
            return None
        return division if _all_digits(division) else None


def normalize(value: str) -> str:
    """Full-width ASCII → half-width (U+FF01–U+FF5E, U+3000 ideographic space), strip, uppercase."""
    if value.isascii():
        return value.strip().upper()
    chars = []
    for ch in value:
        cp = ord(ch)
        if 0xFF01 <= cp <= 0xFF5E:
            ch = chr(cp - 0xFEE0)
        elif cp == 0x3000:
            ch = " "
        chars.append(ch)
    return "".join(chars).strip().upper()


def _all_digits(text: str) -> bool:
    # str.isdigit() accepts e.g. "²" and Arabic-Indic digits; only ASCII 0-9 are meant here.
    return all(ch in _DIGITS for ch in text)


def expected_check_char(first17: str) -> str:
    """The GB 32100 check character (position 18) for the first 17 characters of a credit code.

    C18 = 31 − (Σ value(cᵢ)·3^(i−1) mod 31) mod 31, mapped back through :data:`CHARSET`. The input is
    normalized first; raises ``ValueError`` unless it is 17 characters from :data:`CHARSET`.
    """
    text = normalize(first17)
    if len(text) != 17:
        raise ValueError(f"需要 17 位字符，实际 {len(text)} 位")
    try:
        total = sum(_VALUE[ch] * weight for ch, weight in zip(text, CHECK_WEIGHTS, strict=True))
    except KeyError:
        position = next(i for i, ch in enumerate(text, start=1) if ch not in _VALUE)
        raise ValueError(_charset_message(position, text[position - 1])) from None
    return CHARSET[(31 - total % 31) % 31]


def expected_org_check_char(first8: str) -> str:
    """The GB 11714 organization-code check character for its 8 body characters.

    Digits are worth their value, letters ``ord(letter) - 55`` (A=10 … Z=35); C9 = 11 − (Σ mod 11),
    where 10 → ``X`` and 11 → ``0``. The input is normalized first; raises ``ValueError`` unless it is
    8 characters from 0-9/A-Z.
    """
    text = normalize(first8)
    if len(text) != 8:
        raise ValueError(f"组织机构代码本体需要 8 位字符，实际 {len(text)} 位")
    total = 0
    for position, (ch, weight) in enumerate(zip(text, ORG_CHECK_WEIGHTS, strict=True), start=1):
        if ch not in _ORG_BODY_CHARS:
            raise ValueError(f"组织机构代码第 {position} 位字符“{ch}”不是数字或大写字母")
        total += (int(ch) if ch in _DIGITS else ord(ch) - 55) * weight
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def expected_registration_check_digit(first14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit (position 15) of a legacy 工商注册号.

    p = 10; for each digit d: s = (p + d) mod 10 (0 → 10), p = 2s mod 11; the check digit c makes
    (p + c) mod 10 == 1. Raises ``ValueError`` unless the input is 14 ASCII digits.
    """
    text = normalize(first14)
    if len(text) != 14 or not _all_digits(text):
        raise ValueError(f"需要 14 位数字，实际为“{text}”")
    p = 10
    for ch in text:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def _charset_message(position: int, ch: str) -> str:
    return f"第 {position} 位字符“{ch}”不是合法字符（不使用 I、O、Z、S、V）"


def _division_problems(division: str, first_position: int) -> list[CodeProblem]:
    """Problems with a 6-character division code whose first character is at ``first_position``."""
    last_position = first_position + 5
    for offset, ch in enumerate(division):
        if ch not in _DIGITS:
            return [
                CodeProblem(
                    "division",
                    first_position + offset,
                    f"第 {first_position}-{last_position} 位行政区划码应为 6 位数字，"
                    f"第 {first_position + offset} 位为“{ch}”",
                )
            ]
    if division[:2] not in PROVINCE_CODES:
        return [
            CodeProblem(
                "division",
                first_position,
                f"行政区划码“{division}”的省级代码“{division[:2]}”不存在",
            )
        ]
    return []


def check_credit_code(value: str) -> CodeCheck:
    """Check an 18-character 统一社会信用代码 and report every problem found.

    The value is normalized first (full-width → half-width, stripped, uppercased). A wrong length is
    reported together with any illegal characters, but the positional checks are skipped. Check
    characters are computed only when the characters they cover are all legal.
    """
    code = normalize(value)
    problems: list[CodeProblem] = []

    if len(code) != CREDIT_CODE_LENGTH:
        problems.append(
            CodeProblem("length", None, f"统一社会信用代码应为 {CREDIT_CODE_LENGTH} 位，实际 {len(code)} 位")
        )
    bad_charset = {i for i, ch in enumerate(code) if ch not in _VALUE}
    problems.extend(
        CodeProblem("charset", i + 1, _charset_message(i + 1, code[i])) for i in sorted(bad_charset)
    )
    if len(code) != CREDIT_CODE_LENGTH:
        return CodeCheck(code, tuple(problems))

    # Positions 1-2: authority and kind.
    authority, kind = code[0], code[1]
    if 0 not in bad_charset and authority not in AUTHORITIES:
        problems.append(
            CodeProblem(
                "authority",
                1,
                f"第 1 位登记管理部门代码“{authority}”无效（应为 1-9、A、N、Y 之一）",
            )
        )
    if authority == "9" and 1 not in bad_charset and kind not in MARKET_REGULATION_KINDS:
        problems.append(
            CodeProblem(
                "kind",
                2,
                f"第 2 位机构类别代码“{kind}”无效：登记管理部门为 9（市场监管）时"
                "应为 1（企业）、2（个体工商户）或 3（农民专业合作社）",
            )
        )

    # Positions 3-8: division code (an illegal character there is already a charset problem).
    if not bad_charset & set(range(2, 8)):
        problems.extend(_division_problems(code[2:8], 3))

    # Position 17: organization-code check over positions 9-16.
    if not bad_charset & set(range(8, 17)):
        org_expected = expected_org_check_char(code[8:16])
        if code[16] != org_expected:
            problems.append(
                CodeProblem(
                    "org_check",
                    17,
                    f"组织机构代码校验位（第 17 位）应为“{org_expected}”，实际为“{code[16]}”",
                )
            )

    # Position 18: final check over positions 1-17.
    if not bad_charset:
        expected = expected_check_char(code[:17])
        if code[17] != expected:
            problems.append(CodeProblem("check_char", 18, f"校验位应为“{expected}”，实际为“{code[17]}”"))

    problems.sort(key=lambda p: p.position or 0)  # stable: whole-value problems first, then by position
    return CodeCheck(code, tuple(problems))


def check_registration_number(value: str) -> CodeCheck:
    """Check a legacy 15-digit 工商注册号 (length, digits only, province prefix, MOD 11,10 check)."""
    code = normalize(value)
    problems: list[CodeProblem] = []
    if len(code) != REGISTRATION_NUMBER_LENGTH:
        problems.append(
            CodeProblem("length", None, f"注册号应为 {REGISTRATION_NUMBER_LENGTH} 位，实际 {len(code)} 位")
        )
    bad = [i for i, ch in enumerate(code) if ch not in _DIGITS]
    problems.extend(CodeProblem("charset", i + 1, f"第 {i + 1} 位字符“{code[i]}”不是数字") for i in bad)
    if problems:
        return CodeCheck(code, tuple(problems))

    if code[:2] not in PROVINCE_CODES:
        problems.append(
            CodeProblem(
                "division",
                1,
                f"第 1-6 位登记机关行政区划码“{code[:6]}”的省级代码“{code[:2]}”不存在",
            )
        )
    expected = expected_registration_check_digit(code[:14])
    if code[14] != expected:
        problems.append(CodeProblem("check_char", 15, f"校验位应为“{expected}”，实际为“{code[14]}”"))
    return CodeCheck(code, tuple(problems))


def make_credit_code(authority: str, kind: str, division: str, org_body8: str) -> str:
    """Build a valid 18-character credit code, computing the org-code check and the final check.

    ``org_body8`` must use only :data:`CHARSET` characters (a GB 11714 body containing I, O, Z, S or V
    cannot appear in a credit code). Inputs are normalized; raises ``ValueError`` describing the first
    problem if the parts cannot form a valid code.
    """
    authority, kind, division, body = (normalize(part) for part in (authority, kind, division, org_body8))
    if len(authority) != 1 or len(kind) != 1:
        raise ValueError("登记管理部门代码与机构类别代码各应为 1 位")
    if len(division) != 6:
        raise ValueError(f"行政区划码应为 6 位，实际 {len(division)} 位")
    if len(body) != 8:
        raise ValueError(f"组织机构代码本体应为 8 位，实际 {len(body)} 位")
    first16 = authority + kind + division + body
    partial = first16 + expected_org_check_char(body) if all(ch in _VALUE for ch in body) else first16 + "0"
    result = check_credit_code(partial + "0")
    blocking = [p for p in result.problems if p.code != "check_char"]
    if blocking:
        raise ValueError(blocking[0].message)
    return partial + expected_check_char(partial)
