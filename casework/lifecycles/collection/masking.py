"""个人信息脱敏: what the public portal shows of personal data (issue 13, 归集公示).

Pure Python, no Django, no database. Everything the public sees goes through :func:`mask_values`
(a record's field values, by the field declarations of its record type) or :func:`mask_text` (free
text). Every function returns a new value and never mutates its input; every function is idempotent
(masking a masked value changes nothing).

Conventions (one for each kind of data, applied the same way in fields and in free text):

===================  ==========================  ============================================
kind                 example                     rule
===================  ==========================  ============================================
居民身份证号码 (18)   ``430***********123X``      first 3 and last 4 kept, 11 ``*``: the birth
                                                 date (positions 7-14) and the county are never
                                                 shown; the last 4 let the person recognise it
旧版身份证号码 (15)   ``430*********123``         first 3 and last 3 kept (no birth-date digit)
other 证件号码        ``E*******8``               first and last character kept
手机号码              ``138****5678``             first 3 and last 4 kept (the common practice
                                                 of 12315, banks and carriers)
固定电话              ``0731-****2345``           area code kept, the first 4 digits of the
                                                 local number hidden
银行账号/卡号         ``************7890``        last 4 kept, one ``*`` per hidden character
自然人住址            ``长沙市开福区伍家岭街道****``  kept up to the 乡镇/街道 (province, city,
                                                 district/county, township), the rest ``****``
自然人姓名            ``张**``                    surname character kept, one ``*`` per other
                                                 character
===================  ==========================  ============================================

These follow the 部分隐藏 (partial hiding) examples of GB/T 35273-2020 and the practice of
government disclosure sites (信用中国, 裁判文书): show just enough for the person concerned to
recognise their own data, never the birth date, the full number or the street address.

Free text (:func:`mask_text`) is scanned for ID numbers, mobile and landline numbers and bank card
numbers, including full-width digits (``０-９``) and single spaces or hyphens inside a number
(``138 1234 5678``, ``430102 19900307 1234``). A number is only ever a whole run of digits: digits
that continue a longer run, a decimal or a code with letters (``JY14301020012345``) are left alone,
and so are 统一社会信用代码 (also all-digit ones), document numbers (湘商改〔2016〕7号), dates and money
amounts (``13500000000元``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from casework.directory.credit_code import PROVINCE_CODES, check_credit_code, check_registration_number

__all__ = [
    "ADDRESS_MASK",
    "MASK",
    "VALUE_MASK",
    "is_id_number",
    "mask_address",
    "mask_bank_account",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_text",
    "mask_values",
]

MASK = "*"
#: What replaces the part of an address below the township level.
ADDRESS_MASK = "****"
#: What replaces a personal value that has no partial form (a personal date, amount, choice …).
VALUE_MASK = "***"

# --------------------------------------------------------------------------------------------------
# Normalization: a same-length "view" of the text where full-width digits, letters, hyphens and
# spaces are their ASCII forms, so that positions in the view are positions in the original.

_TRANSLATE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII block
_TRANSLATE.update(dict.fromkeys((0x3000, 0x00A0, *range(0x2002, 0x200B)), ord(" ")))
_TRANSLATE.update(dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212), ord("-")))
_TRANSLATE[0xFF08] = ord("(")  # （
_TRANSLATE[0xFF09] = ord(")")  # ）


def _view(text: str) -> str:
    """The text with full-width/odd forms replaced one-for-one by ASCII (same length)."""
    return text.translate(_TRANSLATE)


def _compact(value: str) -> str:
    """The value normalized, stripped, uppercased, without spaces, hyphens and dots."""
    return re.sub(r"[\s\-.]", "", _view(value)).upper()


# --------------------------------------------------------------------------------------------------
# Recognisers.

#: GB 11643 weights of positions 1-17 and the check character for each sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: Province codes an ID number starts with: GB/T 2260 provinces (81/82 港澳, 83 台湾居民居住证).
_ID_PROVINCES = (PROVINCE_CODES - {"10"}) | {"83"}


def _valid_birth_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _id18_date_ok(code: str) -> bool:
    return (
        len(code) == 18
        and code[:17].isascii()
        and code[:17].isdigit()
        and code[17] in "0123456789X"
        and code[:2] in _ID_PROVINCES
        and _valid_birth_date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    )


def _id18_check_ok(code: str) -> bool:
    total = sum(int(ch) * w for ch, w in zip(code[:17], _ID_WEIGHTS, strict=True))
    return code[17] == _ID_CHECK[total % 11]


def _id15_date_ok(code: str) -> bool:
    return (
        len(code) == 15
        and code.isascii()
        and code.isdigit()
        and code[:2] in _ID_PROVINCES
        and _valid_birth_date(1900 + int(code[6:8]), int(code[8:10]), int(code[10:12]))
    )


def is_id_number(value: str) -> bool:
    """True for an 18-digit 居民身份证号码 with a valid province, birth date and check character,
    or a legacy 15-digit one with a valid province and birth date (they have no check digit)."""
    code = _compact(value)
    if len(code) == 18:
        return _id18_date_ok(code) and _id18_check_ok(code)
    return _id15_date_ok(code)


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _area_code_length(digits: str) -> int:
    """010 and 02x are 3-digit area codes, every other one (0xxx) has 4 digits."""
    return 3 if digits.startswith(("010", "02")) else 4


def _split_landline(digits: str) -> tuple[str, str] | None:
    """(area code, local number) of a landline written without separators, else None."""
    if not digits.startswith("0") or digits.startswith("00"):
        return None
    cut = _area_code_length(digits)
    area, local = digits[:cut], digits[cut:]
    if len(local) in (7, 8) and local[0] not in "01":
        return area, local
    return None


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# --------------------------------------------------------------------------------------------------
# Field maskers.


def _hide_middle(code: str, head: int, tail: int) -> str:
    return code[:head] + MASK * (len(code) - head - tail) + code[len(code) - tail :]


def mask_id_number(value: str) -> str:
    """``430102199003071234`` → ``430***********1234``; 15 digits → ``430*********123``.

    Any other 证件号码 (passport, 港澳通行证 …) keeps its first and last character; three characters
    or fewer are hidden entirely. Spaces, hyphens and full-width digits are dropped/normalized first.
    """
    if not value or not value.strip():
        return value
    if MASK in value:
        return mask_text(value)
    code = _compact(value)
    if len(code) == 18:
        return _hide_middle(code, 3, 4)
    if len(code) == 15:
        return _hide_middle(code, 3, 3)
    if len(code) <= 3:
        return MASK * len(code)
    return _hide_middle(code, 1, 1)


def _mask_local(local: str) -> str:
    return MASK * 4 + local[4:]


def mask_phone(value: str) -> str:
    """Mobile ``13812345678`` → ``138****5678`` (a ``+86`` prefix is kept); landline
    ``0731-84512345`` / ``(0731)84512345`` / ``073184512345`` → ``0731-****2345`` (an extension
    after a further hyphen is kept). Anything else keeps at most its last 4 digits, and a value of
    fewer than 7 digits is hidden entirely."""
    if not value or not value.strip():
        return value
    if MASK in value:
        return mask_text(value)
    text = _view(value).strip()
    prefix = ""
    m = re.match(r"^(\+?86)[\s-]*(?=1[3-9])", text)
    if m:
        prefix = "+86 "
        text = text[m.end() :]
    digits = re.sub(r"\D", "", text)
    if _is_mobile(digits):
        return prefix + digits[:3] + MASK * 4 + digits[7:]
    # Area code written apart: (0731)8451 2345, 0731-84512345, 0731 8451-2345, + extension.
    m = re.match(
        r"^(?:\((0\d{2,3})\)[\s-]*|(0\d{2,3})[\s-]+)(\d{3,4}[\s-]?\d{3,4})(?:[\s-]+(\d{1,6}))?$", text
    )
    if m and len(local := re.sub(r"\D", "", m.group(3))) in (7, 8):
        extension = f"-{m.group(4)}" if m.group(4) else ""
        return f"{m.group(1) or m.group(2)}-{_mask_local(local)}{extension}"
    split = _split_landline(digits)
    if split:
        return f"{split[0]}-{_mask_local(split[1])}"
    if len(digits) < 7:
        return MASK * max(len(digits), 4)
    return MASK * (len(digits) - 4) + digits[-4:]


def mask_bank_account(value: str) -> str:
    """``6222 0212 3456 7890`` → ``************7890``: only the last 4 characters are kept (one
    ``*`` for each hidden one); an account of 8 characters or fewer is hidden entirely."""
    if not value or not value.strip():
        return value
    if MASK in value:
        return mask_text(value)
    code = _compact(value)
    if len(code) <= 8:
        return MASK * len(code)
    return MASK * (len(code) - 4) + code[-4:]


# A level's proper name: Chinese characters that are not themselves level suffixes, so that a 超市,
# 小区 or 市场 further on cannot stretch a level over the street address.
_PLACE_NAME_CHARS = r"[^\W\d_a-zA-Z省市区县旗镇乡街路号栋幢室村组弄巷盟]"
_NAME = rf"{_PLACE_NAME_CHARS}{{1,12}}?"
_ADDRESS_PREFIX = re.compile(
    rf"^(?:{_NAME}(?:省|自治区|特别行政区))?"
    rf"(?:{_NAME}(?:市|自治州|地区|盟))?"
    rf"(?:{_NAME}(?:自治县|自治旗|林区|特区|新区|区|县|市|旗))?"
    rf"(?:{_NAME}(?:街道办事处|街道|镇|乡|苏木))?"
)


def mask_address(value: str) -> str:
    """A natural person's address, kept down to the township: ``湖南省长沙市开福区伍家岭街道
    新河路 8 号 3 栋 201`` → ``湖南省长沙市开福区伍家岭街道****``.

    The kept part is the leading run of administrative levels — 省/自治区, 市/自治州/地区/盟,
    区/县/县级市/旗, 镇/乡/街道 — each at most once and in that order; everything after it becomes
    ``****``. An address that does not start with a level is hidden entirely. When in doubt the rule
    keeps less (a district whose name contains 市, like 市中区, stops the prefix early).
    """
    if not value or not value.strip():
        return value
    text = value.strip()
    m = _ADDRESS_PREFIX.match(text)
    kept = m.group(0) if m else ""
    if kept == text:
        return text  # only administrative levels: nothing personal to hide
    return kept + ADDRESS_MASK


def mask_name(value: str) -> str:
    """A natural person's name: ``张三丰`` → ``张**``, ``欧阳娜娜`` → ``欧***``, ``阿依古丽·买买提``
    → ``阿*******`` (the first character and one ``*`` for each other character)."""
    if not value or not value.strip():
        return value
    text = value.strip()
    if len(text) == 1:
        return MASK
    return text[0] + MASK * (len(text) - 1)


# --------------------------------------------------------------------------------------------------
# Free text.

#: A run of digit groups joined by single spaces or hyphens (in the normalized view); an ID's X may
#: end it. Entities are looked for among whole groups of a run, never inside a group.
_RUN = re.compile(r"\d+(?:[ -]\d+)*X?", re.IGNORECASE)
_GROUP = re.compile(r"\d+X?", re.IGNORECASE)
#: A landline with its area code in brackets: (0731)8451 2345, （0731）84512345.
_BRACKETED_LANDLINE = re.compile(r"\((0\d{2,3})\) ?(\d{3,4}[ -]?\d{3,4})(?![\dA-Za-z])")
_MONEY_AFTER = re.compile(r" ?(?:元|万元|亿元|美元|港元|万|亿)")
_MONEY_BEFORE = ("¥", "￥", "$", "RMB")
_ACCOUNT_CONTEXT = re.compile(r"账号|帐号|账户|帐户|卡号|银行卡")
_ID_CONTEXT = re.compile(r"身份证|证件号|身份号码")
_LICENCE_CONTEXT = re.compile(r"注册号|营业执照|执照号")
_CREDIT_CONTEXT = re.compile(r"信用代码")
_CONTEXT_WIDTH = 12
_MAX_DIGITS = 25


def _blocks(ch: str) -> bool:
    """A neighbour that makes the digits part of something longer (a code with letters, a masked
    value) rather than a number of their own."""
    return ch.isascii() and (ch.isalnum() or ch == MASK)


def _classify(
    code: str, view: str, start: int, end: int, *, glued: bool, groups: Sequence[str]
) -> str | None:
    """What the whole-group span ``view[start:end]`` (digits ``code``) is, or None.

    ``glued``: the span touches letters, a ``*`` or a decimal point; only an ID number with a valid
    check character is masked then.
    """
    before = view[max(0, start - _CONTEXT_WIDTH) : start]
    if len(code) == 18 and _id18_date_ok(code):
        if _id18_check_ok(code):
            # Both check characters passing is rare; the text saying which it is settles it.
            introduced = _CREDIT_CONTEXT.search(before) and not _ID_CONTEXT.search(before)
            if not (introduced and check_credit_code(code).ok):
                return "id"
        # A mistyped ID number is still one, unless it reads as a credit code.
        if not glued and code[:17].isdigit() and not check_credit_code(code).structural_ok:
            return "id"
    if glued or not code.isdigit():
        return None
    if len(code) == 15 and _id15_date_ok(code):
        # Legacy 工商注册号 are 15 digits too and start with a division code: one introduced as such
        # and passing its MOD 11,10 check stays; any other such number is taken for an ID number.
        introduced = _LICENCE_CONTEXT.search(before) and not _ID_CONTEXT.search(before)
        if not (introduced and check_registration_number(code).ok):
            return "id"
    after = view[end:]
    if _MONEY_AFTER.match(after) or before.endswith(_MONEY_BEFORE):
        return None
    if _is_mobile(code):
        return "mobile"
    if len(groups) == 2 and groups[0].startswith("0") and len(groups[0]) in (3, 4):
        if len(groups[1]) in (7, 8) and groups[1][0] not in "01":
            return "landline"
    if len(groups) == 1 and _split_landline(code):
        return "landline"
    if len(groups) == 3 and groups[0].startswith("0") and len(groups[0]) in (3, 4):
        if len(groups[1]) + len(groups[2]) in (7, 8) and groups[1][0] not in "01":
            return "landline"
    if len(code) == 18 and check_credit_code(code).structural_ok:
        return None  # an all-digit 统一社会信用代码, not a card number
    if 16 <= len(code) <= 19 and code[0] != "0" and _luhn_ok(code):
        return "bank"
    if 10 <= len(code) <= _MAX_DIGITS and _ACCOUNT_CONTEXT.search(before):
        return "bank"
    return None


_PRIORITY = {"id": 0, "mobile": 1, "landline": 2, "bank": 3}


def _mask_entity(kind: str, code: str, groups: Sequence[str]) -> str:
    if kind == "id":
        return mask_id_number(code)
    if kind == "mobile":
        return mask_phone(code)
    if kind == "landline":
        if len(groups) >= 2:
            return f"{groups[0]}-{_mask_local(''.join(groups[1:]))}"
        return mask_phone(code)
    return mask_bank_account(code)


def _scan_run(view: str, run_start: int, run_end: int) -> list[tuple[int, int, str]]:
    """Replacements (start, end, text) for the entities among the digit groups of one run."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(view, run_start, run_end)]
    before_blocked = run_start > 0 and (
        _blocks(view[run_start - 1])
        or (view[run_start - 1] == "." and run_start > 1 and view[run_start - 2].isdigit())
    )
    after_blocked = run_end < len(view) and (
        _blocks(view[run_end])
        or (view[run_end] == "." and run_end + 1 < len(view) and view[run_end + 1].isdigit())
    )
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        best: tuple[int, int, str, list[str]] | None = None  # (priority, j, kind, parts)
        parts: list[str] = []
        for j in range(i, len(groups)):
            parts.append(view[groups[j][0] : groups[j][1]].upper())
            code = "".join(parts)
            if len(code) > _MAX_DIGITS:
                break
            if code.endswith("X") and len(code) != 18:
                continue  # only an ID number ends with X
            glued = (i == 0 and before_blocked) or (j == len(groups) - 1 and after_blocked)
            kind = _classify(code, view, groups[i][0], groups[j][1], glued=glued, groups=parts)
            if kind is None:
                continue
            rank = _PRIORITY[kind]
            if best is None or rank < best[0] or (rank == best[0] and j > best[1]):
                best = (rank, j, kind, list(parts))
        if best is None:
            i += 1
            continue
        _, j, kind, best_parts = best
        out.append((groups[i][0], groups[j][1], _mask_entity(kind, "".join(best_parts), best_parts)))
        i = j + 1
    return out


def mask_text(text: str) -> str:
    """Free text with every ID number, mobile/landline number and bank card number masked.

    Recognised (full-width digits and single spaces/hyphens inside a number included):

    - 18-digit ID numbers with a valid province and birth date (1900 … today) and a valid check
      character — or, when they stand alone and do not read as a 统一社会信用代码, a wrong one (a
      mistyped ID number is still personal data). An all-digit credit code that happens to pass the
      ID checks as well is masked too unless 信用代码 introduces it: privacy wins a tie;
    - 15-digit legacy ID numbers with a valid province and birth date, unless the number is a valid
      legacy 工商注册号 introduced as one (注册号/营业执照 just before it);
    - mobile numbers ``1[3-9]`` + 9 digits, landlines with an area code (``0731-84512345``,
      ``(0731)84512345``, ``073184512345``);
    - bank card numbers of 16-19 digits passing the Luhn check, and any 10-25 digit number right
      after 账号/卡号/账户.

    Digits continuing a longer run, joined to ASCII letters or a decimal point (``JY1430…``,
    ``3.1415…``), and amounts followed by 元/万元 … are not numbers of their own and stay; credit
    codes, document numbers and dates stay. The masked forms are those of the field maskers.
    """
    if not text:
        return text
    view = _view(text)
    replacements: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _BRACKETED_LANDLINE.finditer(view):
        if m.start() > 0 and _blocks(view[m.start() - 1]):
            continue
        local = re.sub(r"\D", "", m.group(2))
        if len(local) in (7, 8) and local[0] not in "01":
            replacements.append((m.start(), m.end(), f"({m.group(1)}){_mask_local(local)}"))
            taken.append((m.start(), m.end()))
    for m in _RUN.finditer(view):
        if any(s <= m.start() < e for s, e in taken):
            continue
        replacements.extend(_scan_run(view, m.start(), m.end()))
    if not replacements:
        return text
    pieces: list[str] = []
    last = 0
    for start, end, masked in sorted(replacements):
        pieces.append(text[last:start])
        pieces.append(masked)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# --------------------------------------------------------------------------------------------------
# Record values.

_TEXT_TYPES = frozenset({"text", "textarea"})
_TYPED: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
    "address": mask_address,
}


def _field_key(field: Mapping[str, Any]) -> str | None:
    for attr in ("key", "name", "code", "field"):
        key = field.get(attr)
        if isinstance(key, str) and key:
            return key
    return None


def _is_person_name(field: Mapping[str, Any], key: str) -> bool:
    label = " ".join(str(field.get(attr) or "") for attr in ("label", "title", "verbose_name", "name"))
    return "姓名" in label or key == "name" or (key.endswith("_name") and "enterprise" not in key)


def _mask_field(field: Mapping[str, Any], key: str, value: Any) -> Any:
    kind = str(field.get("type") or "text")
    personal = bool(field.get("personal"))
    if value is None or value == "":
        return value
    if kind == "id_number":
        # An ID number is a natural person's whatever the declaration says.
        return mask_id_number(value) if isinstance(value, str) else VALUE_MASK
    if personal:
        if not isinstance(value, str):
            return VALUE_MASK
        if kind in _TYPED:
            return _TYPED[kind](value)
        if kind in _TEXT_TYPES and _is_person_name(field, key):
            return mask_name(value)
        return VALUE_MASK
    if kind in _TEXT_TYPES and isinstance(value, str):
        return mask_text(value)
    return value


def mask_values(fields: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as the public may see them: a new dict, the input left untouched.

    ``fields`` are a record type's field declarations (``key`` — or ``name`` — , ``type``,
    ``personal``, optional ``label``). A field declared ``personal`` is masked by its type
    (``id_number``/``phone``/``bank_account``/``address`` by the matching masker; a personal
    ``text``/``textarea`` whose label says 姓名 — or whose key is ``name``/``*_name`` — by
    :func:`mask_name`; any other personal value becomes ``***``). An ``id_number`` field is masked
    even when not declared personal. Every other ``text``/``textarea`` value, and every string value
    no field declares, goes through :func:`mask_text`. Other non-personal values are returned as is.
    """
    declared: dict[str, Mapping[str, Any]] = {}
    for field in fields:
        key = _field_key(field)
        if key is not None:
            declared[key] = field
    out: dict[str, Any] = {}
    for key, value in values.items():
        spec = declared.get(key)
        if spec is not None:
            out[key] = _mask_field(spec, key, value)
        elif isinstance(value, str):
            out[key] = mask_text(value)
        else:
            out[key] = value
    return out
