"""归集公示 record types as data: format spec (格式规范) version 1, and the one validation every channel
(form, batch file, REST exchange, a 双告知 permit fed back) runs.

Sources. Seed 004 (保山, 第四阶段 (一)) lists what departments enter in 信息归集: 行政许可, 行政处罚,
抽查检查, 小微企业扶持, 联合惩戒, 资质资格, 荣誉, 欠税, 欠保欠薪, and (二) 无证无照经营查处 (《无证无照经营
查处办法》). Seed 000 (巴州 三) and seed 003 (广元 二(一)) add 动产抵押登记, 股权出质登记, 知识产权出质登记,
商标注册, 经营异常名录, 严重违法失信企业名单, 抽查检查结果; both require records to follow a 《格式规范》,
and seed 003 (二(二)) says records failing it are returned (回退) to the provider. Seed 003 (三(一)3)
says personal data is masked (屏蔽) before publication and state secrets are never published, and
(三(二)) that when a publication period ends the record leaves the public system and is kept as an
archive. DESIGN.md §4 gives the permit, penalty and 经营异常名录 fields (their labels here are exactly
those), the 普通程序-only rule for penalties and the 3-month / 3-year periods; the permit fields keep
the names of the 双告知 permit feedback (``registration_push`` ``PermitFeedback``) so a fed-back
permit becomes a 行政许可 record without re-entry.

The whole spec is plain JSON-able data (:data:`RECORD_TYPES`) so an admin can edit it as a new
version. One record type is a dict:

``code``             stable ascii code, e.g. ``"permit"``
``name``             Chinese name shown to people
``document_field``   the field holding the document number (文书编号): with the provider and the type
                     it identifies a record, so a resubmission is a new version of the same record
``produced_field``   the date field that is the record's 产生日期 (the collection clock counts from it)
``publish_when``     ``{field: [allowed codes]}``: the record is published only if every listed field
                     holds one of its codes (penalties: 普通程序 and not 警告 only); ``{}`` = always
``publication``      how long a published record stays public, see :func:`publication_end`:
                     ``months`` (``None`` = no fixed period), ``cases`` (``[{"field", "in", "months"}]``,
                     first match replaces ``months``), ``until_fields`` (date fields; the earliest one
                     filled ends publication, e.g. 移出日期), ``at_least_until_field`` (a date field
                     publication lasts at least until) and ``basis`` (where the period comes from)
``fields``           list of field dicts: ``name`` (ascii snake), ``label`` (Chinese), ``type`` (one of
                     :data:`FIELD_TYPES`), ``required``, ``choices`` (``[{"code", "label"}]`` for
                     ``choice``, else ``[]``), ``max_length`` (text kinds, else ``None``), ``personal``
                     (personal data masked before the public sees it) and ``help``
``party_without_code``  (optional) ``True``: the 统一社会信用代码 may be left empty, the party is
                     named instead (无证无照); such a record is collected but never published
``rules``            cross-field rules, data interpreted by :data:`RULES`: ``not_before`` (a date not
                     earlier than another), ``together`` (all or none), ``one_of`` (at least one),
                     ``only_if`` (a choice restricts another choice), ``range``, ``integer``

The subject enterprise (统一社会信用代码 and name) is the record's header, not one of its fields.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from casework.directory.credit_code import PROVINCE_CODES, check_credit_code
from casework.directory.credit_code import normalize as normalize_code
from casework.workbench.dates import InvalidDate, parse_date

__all__ = [
    "FIELD_TYPES",
    "RECORD_TYPES",
    "RULES",
    "SPEC_VERSION",
    "check_id_number",
    "field_warnings",
    "is_published",
    "publication_end",
    "spec_by_code",
    "spec_problems",
    "validate_fields",
]

#: The bundled spec's version. 2 added the 检查结果 code 发现问题待后续处理 (a problem found and
#: transferred or still to be dealt with) and 无证无照 parties without a credit code
#: (``party_without_code``); migration ``casework 0019`` publishes it over a stored v1.
SPEC_VERSION = 2

Spec = dict[str, Any]
Field = dict[str, Any]

FIELD_TYPES = (
    "text",
    "textarea",
    "date",
    "choice",
    "number",
    "money",
    "credit_code",
    "id_number",
    "phone",
    "address",
    "bank_account",
)

_DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000, "address": 300}


def _field(
    name: str,
    label: str,
    type_: str = "text",
    *,
    required: bool = False,
    choices: list[tuple[str, str]] | None = None,
    max_length: int | None = None,
    personal: bool = False,
    help: str = "",
) -> Field:
    """One field declaration, every key present (so the JSON an admin edits is uniform)."""
    return {
        "name": name,
        "label": label,
        "type": type_,
        "required": required,
        "choices": [{"code": code, "label": text} for code, text in (choices or [])],
        "max_length": max_length if max_length is not None else _DEFAULT_MAX_LENGTH.get(type_),
        "personal": personal,
        "help": help,
    }


def _legal_representative() -> list[Field]:
    return [
        _field("legal_representative", "法定代表人（负责人）", max_length=100),
        _field(
            "legal_representative_id",
            "法定代表人身份证号",
            "id_number",
            personal=True,
            help="18 位居民身份证号码，公示时自动屏蔽",
        ),
    ]


def _not_before(later: str, earlier: str) -> dict[str, Any]:
    return {"rule": "not_before", "field": later, "other": earlier}


_PERIOD_BASIS_DEFAULT = "平台默认（种子未规定期限；期满转为档案保存，见种子 003 三(二)）"

PENALTY_KINDS = [
    ("warning", "警告"),
    ("criticism", "通报批评"),
    ("fine", "罚款"),
    ("confiscation", "没收违法所得、没收非法财物"),
    ("license", "暂扣许可证件、降低资质等级、吊销许可证件"),
    ("restriction", "限制开展生产经营活动、责令停产停业、责令关闭、限制从业"),
    ("detention", "行政拘留"),
    ("other", "其他"),
]

RECORD_TYPES: list[Spec] = [
    {
        "code": "permit",
        "name": "行政许可",
        "document_field": "permit_number",
        "produced_field": "decision_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["valid_to"],
            "at_least_until_field": None,
            "basis": "平台默认：许可有效期内公示，有效期至届满后归档；长期有效（未填有效期至）的持续公示至变更或撤销",
        },
        "fields": [
            _field("permit_number", "许可文件编号", required=True, max_length=100),
            _field("permit_name", "许可文件名称", required=True, max_length=200),
            _field(
                "permit_category",
                "许可类别",
                "choice",
                choices=[
                    ("general", "普通"),
                    ("special", "特许"),
                    ("recognition", "认可"),
                    ("approval", "核准"),
                    ("registration", "登记"),
                    ("other", "其他"),
                ],
            ),
            _field("decision_date", "许可决定日期", "date", required=True),
            _field("valid_from", "有效期自", "date", required=True),
            _field("valid_to", "有效期至", "date", help="长期有效的留空"),
            _field("permit_authority", "许可机关", required=True, max_length=200),
            _field("permit_authority_code", "许可机关统一社会信用代码", "credit_code"),
            _field("permit_content", "许可内容", "textarea", required=True, max_length=2000),
            *_legal_representative(),
        ],
        "rules": [_not_before("valid_to", "valid_from")],
    },
    {
        "code": "penalty",
        "name": "行政处罚",
        "document_field": "penalty_number",
        "produced_field": "decision_date",
        "publish_when": {
            "procedure": ["ordinary"],
            "penalty_kind": [code for code, _ in PENALTY_KINDS if code != "warning"],
        },
        "publication": {
            "months": 36,
            "cases": [{"field": "publication_class", "in": ["light"], "months": 3}],
            "until_fields": [],
            "at_least_until_field": "restriction_end",
            "basis": "DESIGN §4；《市场监督管理行政处罚信息公示规定》（2021）第二条（普通程序公示，仅警告不公示）"
            "与第十四条（仅通报批评或较低数额罚款 3 个月，其他 3 年，限制期限超过 3 年的按实际限制期限）",
        },
        "fields": [
            _field("penalty_number", "行政处罚决定书文号", required=True, max_length=100),
            _field("violation_type", "违法行为类型", required=True, max_length=200),
            _field("violation_facts", "违法事实", "textarea"),
            _field("legal_basis", "处罚依据", "textarea", max_length=1000),
            _field(
                "procedure",
                "程序",
                "choice",
                required=True,
                choices=[("simple", "简易程序"), ("ordinary", "普通程序")],
                help="只有普通程序作出的处罚公示",
            ),
            _field(
                "penalty_kind",
                "处罚种类",
                "choice",
                required=True,
                choices=PENALTY_KINDS,
                help="选最重的一项",
            ),
            _field("penalty_content", "行政处罚内容", "textarea", required=True),
            _field("fine_amount", "罚款金额（元）", "money"),
            _field("confiscated_amount", "没收金额（元）", "money"),
            _field(
                "publication_class",
                "公示期类别",
                "choice",
                required=True,
                choices=[
                    ("light", "仅通报批评或较低数额罚款（公示 3 个月）"),
                    ("general", "其他处罚（公示 3 年）"),
                ],
            ),
            _field(
                "restriction_end",
                "限制期限至",
                "date",
                help="限制开展生产经营活动或限制从业的，填限制截止日期",
            ),
            _field("decision_authority", "作出决定机关", required=True, max_length=200),
            _field("decision_authority_code", "作出决定机关统一社会信用代码", "credit_code"),
            _field("decision_date", "处罚决定日期", "date", required=True),
            *_legal_representative(),
        ],
        "rules": [
            _not_before("restriction_end", "decision_date"),
            {
                "rule": "only_if",
                "field": "procedure",
                "in": ["simple"],
                "other": "penalty_kind",
                "allowed": ["warning", "criticism", "fine"],
            },
            {
                "rule": "only_if",
                "field": "publication_class",
                "in": ["light"],
                "other": "penalty_kind",
                "allowed": ["criticism", "fine"],
            },
        ],
    },
    {
        "code": "inspection_result",
        "name": "抽查检查结果",
        "document_field": "inspection_number",
        "produced_field": "inspection_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": [],
            "at_least_until_field": None,
            "basis": _PERIOD_BASIS_DEFAULT + "：与一般行政处罚同为 3 年",
        },
        "fields": [
            _field("inspection_number", "检查编号", required=True, max_length=100),
            _field("task_name", "抽查任务名称"),
            _field(
                "inspection_kind",
                "检查类型",
                "choice",
                required=True,
                choices=[
                    ("random", "双随机抽查"),
                    ("targeted", "重点检查"),
                    ("special", "专项检查"),
                    ("routine", "日常检查"),
                ],
            ),
            _field(
                "inspection_method",
                "检查方式",
                "choice",
                choices=[
                    ("onsite", "实地检查"),
                    ("documents", "书面检查"),
                    ("online", "网络监测"),
                    ("testing", "检验检测"),
                    ("entrusted", "委托专业机构"),
                ],
            ),
            _field("inspection_date", "检查日期", "date", required=True),
            _field("inspection_authority", "检查实施机关", required=True),
            _field(
                "result",
                "检查结果",
                "choice",
                required=True,
                choices=[
                    ("no_problem", "未发现问题"),
                    ("not_published", "未按规定公示应当公示的信息"),
                    ("false_information", "公示信息隐瞒真实情况弄虚作假"),
                    ("unreachable", "通过登记的住所(经营场所)无法联系"),
                    ("corrected", "发现问题经责令已改正"),
                    ("no_activity", "未发现开展本次抽查涉及的经营活动"),
                    ("obstructed", "不配合检查情节严重"),
                    ("closed", "已注销/被吊销"),
                    ("pending_follow_up", "发现问题待后续处理"),
                ],
            ),
            _field(
                "follow_up",
                "后续处置",
                "choice",
                choices=[
                    ("none", "无需处置"),
                    ("order", "责令改正"),
                    ("transfer", "移送办案机构"),
                    ("notify", "抄告相关部门"),
                ],
            ),
            _field("result_detail", "检查结果说明", "textarea"),
        ],
        "rules": [],
    },
    {
        "code": "abnormal_list",
        "name": "经营异常名录",
        "document_field": "listing_document_number",
        "produced_field": "listing_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["removal_date"],
            "at_least_until_field": None,
            "basis": "issue 13：列入后持续公示至移出（移出日期）",
        },
        "fields": [
            _field("listing_document_number", "列入决定书文号", required=True, max_length=100),
            _field(
                "listing_reason",
                "列入原因",
                "choice",
                required=True,
                choices=[
                    ("annual_report", "未按照规定期限公示年度报告"),
                    ("instant_information", "未在责令的期限内公示有关企业信息"),
                    ("false_information", "公示企业信息隐瞒真实情况、弄虚作假"),
                    ("unreachable", "通过登记的住所或者经营场所无法联系"),
                ],
            ),
            _field("listing_date", "列入日期", "date", required=True),
            _field("listing_authority", "列入机关", required=True),
            _field("removal_document_number", "移出决定书文号", max_length=100),
            _field(
                "removal_reason",
                "移出原因",
                "choice",
                choices=[
                    ("report_filed", "已补报未报年份的年度报告并公示"),
                    ("information_published", "已履行即时信息公示义务"),
                    ("information_corrected", "已更正其公示的信息"),
                    ("reachable", "已办理住所（经营场所）变更登记或可重新取得联系"),
                    ("decision_revoked", "列入决定被撤销"),
                ],
            ),
            _field("removal_date", "移出日期", "date"),
            _field("removal_authority", "移出机关"),
        ],
        "rules": [
            {"rule": "together", "fields": ["removal_reason", "removal_date", "removal_authority"]},
            _not_before("removal_date", "listing_date"),
        ],
    },
    {
        "code": "serious_violation",
        "name": "严重违法失信名单",
        "document_field": "listing_document_number",
        "produced_field": "listing_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": ["removal_date"],
            "at_least_until_field": None,
            "basis": "《市场监督管理严重违法失信名单管理办法》（总局令第44号）：列入满 3 年移出，"
            "信用修复提前移出的至移出日期（旧《严重违法失信企业名单管理暂行办法》为满 5 年）",
        },
        "fields": [
            _field("listing_document_number", "列入决定书文号", required=True, max_length=100),
            _field("listing_reason", "列入原因", "textarea", required=True, max_length=1000),
            _field("listing_date", "列入日期", "date", required=True),
            _field("listing_authority", "列入机关", required=True),
            _field("removal_document_number", "移出决定书文号", max_length=100),
            _field("removal_reason", "移出原因", max_length=500),
            _field("removal_date", "移出日期", "date"),
            _field("removal_authority", "移出机关"),
            *_legal_representative(),
        ],
        "rules": [
            {"rule": "together", "fields": ["removal_reason", "removal_date", "removal_authority"]},
            _not_before("removal_date", "listing_date"),
        ],
    },
    {
        "code": "chattel_mortgage",
        "name": "动产抵押",
        "document_field": "registration_number",
        "produced_field": "registration_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["cancellation_date"],
            "at_least_until_field": None,
            "basis": "平台默认：抵押登记有效期间公示，注销后归档",
        },
        "fields": [
            _field("registration_number", "登记编号", required=True, max_length=100),
            _field("registration_date", "登记日期", "date", required=True),
            _field("registration_authority", "登记机关", required=True),
            _field("mortgagee_name", "抵押权人名称（姓名）", required=True),
            _field("mortgagee_credit_code", "抵押权人统一社会信用代码", "credit_code"),
            _field(
                "mortgagee_id_number",
                "抵押权人身份证号",
                "id_number",
                personal=True,
                help="抵押权人为自然人时填写",
            ),
            _field("secured_amount", "被担保债权数额（万元）", "money", required=True),
            _field("debt_from", "债务履行期限自", "date", required=True),
            _field("debt_to", "债务履行期限至", "date", required=True),
            _field("collateral", "抵押物概况", "textarea", required=True),
            _field("cancellation_date", "注销日期", "date"),
            _field("cancellation_reason", "注销原因", max_length=500),
        ],
        "rules": [
            {"rule": "one_of", "fields": ["mortgagee_credit_code", "mortgagee_id_number"]},
            _not_before("debt_to", "debt_from"),
            _not_before("cancellation_date", "registration_date"),
            {"rule": "together", "fields": ["cancellation_date", "cancellation_reason"]},
        ],
    },
    {
        "code": "equity_pledge",
        "name": "股权出质",
        "document_field": "registration_number",
        "produced_field": "registration_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["cancellation_date"],
            "at_least_until_field": None,
            "basis": "平台默认：出质登记有效期间公示，注销后归档",
        },
        "fields": [
            _field("registration_number", "股权出质登记编号", required=True, max_length=100),
            _field("registration_date", "登记日期", "date", required=True),
            _field("registration_authority", "登记机关", required=True),
            _field("pledgor_name", "出质人名称（姓名）", required=True),
            _field("pledgor_credit_code", "出质人统一社会信用代码", "credit_code"),
            _field(
                "pledgor_id_number", "出质人身份证号", "id_number", personal=True, help="出质人为自然人时填写"
            ),
            _field("pledged_amount", "出质股权数额（万元）", "money", required=True),
            _field("pledgee_name", "质权人名称（姓名）", required=True),
            _field("pledgee_credit_code", "质权人统一社会信用代码", "credit_code"),
            _field(
                "pledgee_id_number", "质权人身份证号", "id_number", personal=True, help="质权人为自然人时填写"
            ),
            _field("cancellation_date", "注销日期", "date"),
        ],
        "rules": [
            {"rule": "one_of", "fields": ["pledgor_credit_code", "pledgor_id_number"]},
            {"rule": "one_of", "fields": ["pledgee_credit_code", "pledgee_id_number"]},
            _not_before("cancellation_date", "registration_date"),
        ],
    },
    {
        "code": "ip_pledge",
        "name": "知识产权出质",
        "document_field": "registration_number",
        "produced_field": "registration_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["cancellation_date", "pledge_to"],
            "at_least_until_field": None,
            "basis": "平台默认：质权登记期限内公示，注销或期限届满后归档",
        },
        "fields": [
            _field("registration_number", "质权登记编号", required=True, max_length=100),
            _field(
                "ip_kind",
                "知识产权类别",
                "choice",
                required=True,
                choices=[("trademark", "商标"), ("patent", "专利"), ("copyright", "著作权")],
            ),
            _field("ip_name", "知识产权名称", required=True),
            _field("ip_number", "注册号或专利号", max_length=100),
            _field("pledgor_name", "出质人名称", required=True),
            _field("pledgee_name", "质权人名称", required=True),
            _field("registration_date", "登记日期", "date", required=True),
            _field("pledge_from", "质权登记期限自", "date", required=True),
            _field("pledge_to", "质权登记期限至", "date"),
            _field("cancellation_date", "注销日期", "date"),
        ],
        "rules": [
            _not_before("pledge_to", "pledge_from"),
            _not_before("cancellation_date", "registration_date"),
        ],
    },
    {
        "code": "trademark",
        "name": "商标注册",
        "document_field": "registration_number",
        "produced_field": "registration_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["valid_to"],
            "at_least_until_field": None,
            "basis": "平台默认：注册商标专用权期限内公示，期限届满后归档",
        },
        "fields": [
            _field("registration_number", "商标注册号", required=True, max_length=50),
            _field("trademark_name", "商标名称", required=True),
            _field("class_number", "国际分类号", "number", required=True, help="1-45"),
            _field("goods", "核定使用商品/服务", "textarea", required=True),
            _field("registration_date", "注册公告日期", "date", required=True),
            _field("valid_from", "专用权期限自", "date", required=True),
            _field("valid_to", "专用权期限至", "date", required=True),
        ],
        "rules": [
            {"rule": "integer", "field": "class_number"},
            {"rule": "range", "field": "class_number", "min": 1, "max": 45},
            _not_before("valid_to", "valid_from"),
        ],
    },
    {
        "code": "qualification",
        "name": "资质资格",
        "document_field": "certificate_number",
        "produced_field": "issue_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["valid_to"],
            "at_least_until_field": None,
            "basis": "平台默认：资质有效期内公示，有效期至届满后归档；未填有效期至的持续公示至变更或撤销",
        },
        "fields": [
            _field("certificate_number", "资质证书编号", required=True, max_length=100),
            _field("qualification_name", "资质名称", required=True),
            _field("qualification_level", "资质等级", max_length=100),
            _field("scope", "资质范围", "textarea"),
            _field("issue_date", "发证日期", "date", required=True),
            _field("valid_from", "有效期自", "date"),
            _field("valid_to", "有效期至", "date"),
            _field("issuing_authority", "发证机关", required=True),
        ],
        "rules": [_not_before("valid_to", "valid_from")],
    },
    {
        "code": "honor",
        "name": "荣誉",
        "document_field": "document_number",
        "produced_field": "award_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": ["valid_to"],
            "at_least_until_field": None,
            "basis": _PERIOD_BASIS_DEFAULT + "：3 年，荣誉有效期先届满的至有效期至",
        },
        "fields": [
            _field("document_number", "授予文件文号", required=True, max_length=100),
            _field("honor_name", "荣誉名称", required=True),
            _field(
                "honor_level",
                "荣誉级别",
                "choice",
                choices=[
                    ("national", "国家级"),
                    ("provincial", "省级"),
                    ("city", "市级"),
                    ("county", "县级"),
                    ("other", "其他"),
                ],
            ),
            _field("honor_content", "荣誉内容", "textarea"),
            _field("award_date", "授予日期", "date", required=True),
            _field("awarding_authority", "授予机关", required=True),
            _field("valid_to", "有效期至", "date"),
        ],
        "rules": [_not_before("valid_to", "award_date")],
    },
    {
        "code": "tax_arrears",
        "name": "欠税",
        "document_field": "announcement_number",
        "produced_field": "announcement_date",
        "publish_when": {},
        "publication": {
            "months": None,
            "cases": [],
            "until_fields": ["settled_date"],
            "at_least_until_field": None,
            "basis": "平台默认：欠税公告持续公示至清缴（清缴日期）",
        },
        "fields": [
            _field("announcement_number", "欠税公告文号", required=True, max_length=100),
            _field("announcement_date", "公告日期", "date", required=True),
            _field("tax_authority", "主管税务机关", required=True),
            _field("tax_kind", "欠缴税种", required=True, max_length=100),
            _field("arrears_amount", "欠税余额（元）", "money", required=True),
            _field("new_arrears_amount", "当期新发生欠税金额（元）", "money"),
            _field("settled_date", "清缴日期", "date"),
            *_legal_representative(),
        ],
        "rules": [_not_before("settled_date", "announcement_date")],
    },
    {
        "code": "wage_arrears",
        "name": "欠保欠薪",
        "document_field": "document_number",
        "produced_field": "determination_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": ["removal_date"],
            "at_least_until_field": None,
            "basis": "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人社部令第45号）列入期限 3 年、"
            "提前移出的至移出日期；欠缴社会保险费沿用同一期限（平台默认）",
        },
        "fields": [
            _field("document_number", "认定文书编号", required=True, max_length=100),
            _field(
                "arrears_kind",
                "类别",
                "choice",
                required=True,
                choices=[
                    ("wages", "拖欠工资"),
                    ("social_insurance", "欠缴社会保险费"),
                    ("both", "欠薪且欠保"),
                ],
            ),
            _field("determination_date", "认定日期", "date", required=True),
            _field("authority", "认定机关", required=True),
            _field("arrears_amount", "拖欠金额（元）", "money", required=True),
            _field("workers_affected", "涉及人数", "number"),
            _field("settled_date", "清偿日期", "date"),
            _field("removal_date", "移出日期", "date"),
            *_legal_representative(),
        ],
        "rules": [
            {"rule": "integer", "field": "workers_affected"},
            _not_before("settled_date", "determination_date"),
            _not_before("removal_date", "determination_date"),
        ],
    },
    {
        "code": "small_business_support",
        "name": "小微企业扶持",
        "document_field": "document_number",
        "produced_field": "support_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": [],
            "at_least_until_field": None,
            "basis": _PERIOD_BASIS_DEFAULT + "：3 年",
        },
        "fields": [
            _field("document_number", "扶持文件编号", required=True, max_length=100),
            _field("support_project", "扶持项目名称", required=True),
            _field(
                "support_kind",
                "扶持类型",
                "choice",
                required=True,
                choices=[
                    ("subsidy", "财政补贴"),
                    ("tax_relief", "税费减免"),
                    ("interest_subsidy", "贷款贴息"),
                    ("guarantee", "融资担保"),
                    ("startup", "创业扶持"),
                    ("procurement", "政府采购支持"),
                    ("other", "其他"),
                ],
            ),
            _field("support_content", "扶持内容", "textarea"),
            _field("support_amount", "扶持金额（元）", "money"),
            _field(
                "bank_account",
                "收款账号",
                "bank_account",
                personal=True,
                help="个体工商户的个人账户公示时自动屏蔽",
            ),
            _field("support_date", "扶持日期", "date", required=True),
            _field("authority", "实施部门", required=True),
        ],
        "rules": [],
    },
    {
        "code": "unlicensed_operation",
        "name": "无证无照经营查处",
        # The party of an unlicensed business often has no credit code: it is then named (and
        # identified by its ID number); such a record is collected and kept, never published.
        "party_without_code": True,
        "document_field": "case_number",
        "produced_field": "found_date",
        "publish_when": {},
        "publication": {
            "months": 36,
            "cases": [],
            "until_fields": [],
            "at_least_until_field": None,
            "basis": _PERIOD_BASIS_DEFAULT
            + "：与一般行政处罚同为 3 年（《无证无照经营查处办法》未规定公示期）",
        },
        "fields": [
            _field("case_number", "查处文书编号", required=True, max_length=100),
            _field(
                "violation_kind",
                "查处类别",
                "choice",
                required=True,
                choices=[("no_license", "无照经营"), ("no_permit", "无证经营"), ("neither", "无证无照经营")],
            ),
            _field("party_name", "当事人名称（姓名）", required=True),
            _field(
                "party_id_number", "当事人身份证号", "id_number", personal=True, help="当事人为自然人时填写"
            ),
            _field("party_phone", "当事人联系电话", "phone", personal=True),
            _field("business_address", "经营场所", "address", personal=True),
            _field("activity", "经营活动", "textarea", required=True, max_length=1000),
            _field("found_date", "查处日期", "date", required=True),
            _field("authority", "查处机关", required=True),
            _field(
                "measure",
                "处理措施",
                "choice",
                required=True,
                choices=[
                    ("stop", "责令停止违法行为"),
                    ("seize", "查封、扣押"),
                    ("fine", "罚款"),
                    ("transfer", "移送有关部门"),
                    ("ban", "取缔"),
                    ("other", "其他"),
                ],
            ),
            _field("measure_detail", "处理结果说明", "textarea"),
        ],
        "rules": [],
    },
]


def spec_by_code(types: list[Spec] | None = None) -> dict[str, Spec]:
    """The record types keyed by ``code`` (the bundled :data:`RECORD_TYPES` unless ``types`` given)."""
    return {spec["code"]: spec for spec in (RECORD_TYPES if types is None else types)}


# --- single-field checks -----------------------------------------------------------------------

#: ISO 7064 MOD 11-2 weights of the first 17 digits of a 居民身份证号码 (GB 11643-1999).
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 provinces; 81/82/83 are the 港澳台居民居住证 prefixes. 10 is a credit-code-only prefix.
_ID_PROVINCES = (PROVINCE_CODES - {"10"}) | {"83"}
_DIGITS = frozenset("0123456789")


def check_id_number(value: str, *, today: date | None = None) -> tuple[str, list[str]]:
    """Check an 18-character 居民身份证号码 (GB 11643): area code, birth date and check digit.

    Returns the normalized number (full-width → half-width, stripped, ``x`` → ``X``) and the Chinese
    problems found (empty when the number is well-formed).
    """
    number = normalize_code(value)
    if len(number) == 15 and set(number) <= _DIGITS:
        return number, ["是第一代 15 位身份证号码，请填写 18 位号码"]
    if len(number) != 18:
        return number, [f"应为 18 位身份证号码，实际 {len(number)} 位"]
    for position, ch in enumerate(number[:17], start=1):
        if ch not in _DIGITS:
            return number, [f"第 {position} 位字符“{ch}”不是数字"]
    if number[17] not in _DIGITS and number[17] != "X":
        return number, [f"第 18 位（校验位）应为数字或 X，实际为“{number[17]}”"]
    problems = []
    if number[:2] not in _ID_PROVINCES:
        problems.append(f"前 6 位地址码“{number[:6]}”的省级代码“{number[:2]}”不存在")
    birth = number[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        problems.append(f"第 7-14 位出生日期“{birth}”不是有效日期")
    else:
        if born.year < 1900 or born > (today or date.today()):
            problems.append(f"第 7-14 位出生日期“{birth}”不合理")
    expected = ID_CHECK_CHARS[sum(int(ch) * w for ch, w in zip(number[:17], ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        problems.append(f"校验位（第 18 位）应为“{expected}”，实际为“{number[17]}”")
    return number, problems


_FULL_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0D: "-", 0xFF0E: ".", 0xFF0C: ","}
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_CENT = Decimal("0.01")


class _Invalid(ValueError):
    """A field value that does not fit its type; ``str()`` is the message after the label."""


def _as_text(value: Any) -> str:
    # Spreadsheets hand over numbers: 12345.0 typed as a document number is "12345".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _clean_text(field: Field, value: Any) -> str:
    text = _as_text(value)
    limit = field.get("max_length")
    if isinstance(limit, int) and len(text) > limit:
        raise _Invalid(f"最多 {limit} 个字，现有 {len(text)} 个字")
    return text


def _clean_date(field: Field, value: Any) -> str:
    try:
        parsed = parse_date(value)
    except InvalidDate as exc:
        raise _Invalid(str(exc)) from None
    assert parsed is not None  # empty values never reach the cleaners
    return parsed.isoformat()


def _clean_choice(field: Field, value: Any) -> str:
    text = _as_text(value)
    for choice in field.get("choices") or []:
        # A code, or its label as people write it in a spreadsheet.
        if text in (choice["code"], choice["label"]):
            return str(choice["code"])
    allowed = "、".join(choice["label"] for choice in field.get("choices") or [])
    raise _Invalid(f"应为以下之一：{allowed}（收到“{text}”）")


def _decimal(value: Any) -> Decimal:
    shown = _as_text(value)
    if isinstance(value, bool):
        raise _Invalid(f"应为数字（收到“{shown}”）")
    try:
        number = Decimal(str(value).strip().translate(_FULL_WIDTH).replace(",", ""))
    except InvalidOperation:
        raise _Invalid(f"应为数字（收到“{shown}”）") from None
    if not number.is_finite():
        raise _Invalid(f"应为数字（收到“{shown}”）")
    if number < 0:
        raise _Invalid("不能为负数")
    return number


def _clean_number(field: Field, value: Any) -> str:
    return str(_decimal(value))


def _clean_money(field: Field, value: Any) -> str:
    number = _decimal(value)
    if number != number.quantize(_CENT):
        raise _Invalid("金额最多保留 2 位小数")
    return str(number.quantize(_CENT))


def _clean_credit_code(field: Field, value: Any) -> str:
    # A pilot code whose check characters disagree is legal (DESIGN §4): accepted here,
    # reported by field_warnings().
    check = check_credit_code(_as_text(value))
    if not check.structural_ok:
        raise _Invalid("；".join(problem.message for problem in check.problems))
    return check.code


def _clean_id_number(field: Field, value: Any) -> str:
    number, problems = check_id_number(_as_text(value))
    if problems:
        raise _Invalid("；".join(problems))
    return number


def _clean_phone(field: Field, value: Any) -> str:
    text = re.sub(r"[\s()（）]", "", _as_text(value).translate(_FULL_WIDTH))
    if not (_MOBILE.match(text) or _LANDLINE.match(text)):
        raise _Invalid(f"应为 11 位手机号或带区号的固定电话（如 0839-3266666），收到“{_as_text(value)}”")
    return text


def _clean_bank_account(field: Field, value: Any) -> str:
    text = re.sub(r"[\s-]", "", _as_text(value).translate(_FULL_WIDTH))
    if not (text.isascii() and text.isdigit() and 8 <= len(text) <= 30):
        raise _Invalid(f"应为 8-30 位数字的银行账号，收到“{_as_text(value)}”")
    return text


_CLEANERS: dict[str, Callable[[Field, Any], str]] = {
    "text": _clean_text,
    "textarea": _clean_text,
    "address": _clean_text,
    "date": _clean_date,
    "choice": _clean_choice,
    "number": _clean_number,
    "money": _clean_money,
    "credit_code": _clean_credit_code,
    "id_number": _clean_id_number,
    "phone": _clean_phone,
    "bank_account": _clean_bank_account,
}


# --- cross-field rules --------------------------------------------------------------------------

RuleCheck = Callable[[dict[str, Any], dict[str, Any], dict[str, Field]], dict[str, str]]


def _label(fields: dict[str, Field], name: str) -> str:
    return str(fields[name]["label"]) if name in fields else name


def _choice_label(fields: dict[str, Field], name: str, code: str) -> str:
    for choice in fields.get(name, {}).get("choices") or []:
        if choice["code"] == code:
            return str(choice["label"])
    return code


def _rule_not_before(
    rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]
) -> dict[str, str]:
    later, earlier = cleaned.get(rule["field"]), cleaned.get(rule["other"])
    if later and earlier and later < earlier:  # ISO strings order as dates
        return {rule["field"]: f"“{_label(fields, rule['field'])}”不能早于“{_label(fields, rule['other'])}”"}
    return {}


def _rule_together(rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]) -> dict[str, str]:
    given = [name for name in rule["fields"] if name in cleaned]
    if not given or len(given) == len(rule["fields"]):
        return {}
    return {
        name: f"填写了“{_label(fields, given[0])}”时，“{_label(fields, name)}”不能为空"
        for name in rule["fields"]
        if name not in cleaned
    }


def _rule_one_of(rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]) -> dict[str, str]:
    if any(name in cleaned for name in rule["fields"]):
        return {}
    labels = "与".join(f"“{_label(fields, name)}”" for name in rule["fields"])
    return {rule["fields"][0]: f"{labels}至少填写一项"}


def _rule_only_if(rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]) -> dict[str, str]:
    chosen, other = cleaned.get(rule["field"]), cleaned.get(rule["other"])
    if chosen is None or chosen not in rule["in"] or other is None or other in rule["allowed"]:
        return {}
    allowed = "、".join(_choice_label(fields, rule["other"], code) for code in rule["allowed"])
    condition = f"“{_label(fields, rule['field'])}”为“{_choice_label(fields, rule['field'], chosen)}”时"
    return {rule["other"]: f"{condition}，“{_label(fields, rule['other'])}”只能是{allowed}"}


def _rule_range(rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]) -> dict[str, str]:
    value = cleaned.get(rule["field"])
    if value is None:
        return {}
    number = Decimal(value)
    low, high = rule.get("min"), rule.get("max")
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        return {rule["field"]: f"“{_label(fields, rule['field'])}”应在 {low}-{high} 之间，收到 {value}"}
    return {}


def _rule_integer(rule: dict[str, Any], cleaned: dict[str, Any], fields: dict[str, Field]) -> dict[str, str]:
    value = cleaned.get(rule["field"])
    if value is not None and Decimal(value) != Decimal(value).to_integral_value():
        return {rule["field"]: f"“{_label(fields, rule['field'])}”应为整数，收到 {value}"}
    return {}


#: Cross-field rule kinds, by the ``rule`` key of a type's ``rules`` entries.
RULES: dict[str, RuleCheck] = {
    "not_before": _rule_not_before,
    "together": _rule_together,
    "one_of": _rule_one_of,
    "only_if": _rule_only_if,
    "range": _rule_range,
    "integer": _rule_integer,
}


def _rule_fields(rule: dict[str, Any]) -> list[str]:
    names = list(rule.get("fields") or [])
    names += [rule[key] for key in ("field", "other") if rule.get(key)]
    return names


# --- the validation -----------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_fields(
    spec: Spec, values: dict[str, Any], *, today: date | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check ``values`` against one record type; return ``(cleaned, errors)``.

    ``cleaned`` holds every non-empty field whose value fits its type (a value a cross-field rule
    refuses stays in, its error beside it): text stripped, dates as ISO strings (any spelling
    :func:`casework.workbench.dates.parse_date` reads), numbers as ``str(Decimal)`` (money with 2
    decimals), choices as their codes (a choice's label is accepted too), credit codes and ID
    numbers normalized. ``errors`` maps a field name to a specific Chinese message; a value that is
    not a field of the type is an error too (``未知字段：…``). Cross-field rules run on the fields that
    are clean, and the produced date (``produced_field``) may not be later than ``today``.
    """
    fields: dict[str, Field] = {field["name"]: field for field in spec["fields"]}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in values:
        if name not in fields:
            errors[name] = f"未知字段：{name}"
    for name, field in fields.items():
        value = values.get(name)
        if _is_empty(value):
            if field.get("required"):
                errors[name] = f"“{field['label']}”不能为空"
            continue
        try:
            cleaned[name] = _CLEANERS[field["type"]](field, value)
        except _Invalid as exc:
            errors[name] = f"“{field['label']}”{exc}"
    for rule in spec.get("rules") or []:
        if any(name in errors for name in _rule_fields(rule)):
            continue
        for name, message in RULES[rule["rule"]](rule, cleaned, fields).items():
            errors.setdefault(name, message)
    produced = spec.get("produced_field")
    today = today or date.today()
    if produced in cleaned and cleaned[produced] > today.isoformat():
        errors.setdefault(produced, f"“{fields[produced]['label']}”不能晚于今天（{today.isoformat()}）")
    return cleaned, errors


def field_warnings(spec: Spec, values: dict[str, Any]) -> dict[str, str]:
    """Accepted values worth a second look: a credit code whose check characters disagree (an early
    pilot code is legal, DESIGN §4: warn, do not reject)."""
    warnings: dict[str, str] = {}
    for field in spec["fields"]:
        value = values.get(field["name"])
        if field["type"] != "credit_code" or _is_empty(value):
            continue
        check = check_credit_code(_as_text(value))
        if check.structural_ok and not check.ok:
            problems = "；".join(problem.message for problem in check.problems)
            warnings[field["name"]] = f"“{field['label']}”{problems}（早期试点代码可能如此，请核对）"
    return warnings


# --- publication ----------------------------------------------------------------------------------


def is_published(spec: Spec, cleaned: dict[str, Any]) -> bool:
    """Whether a valid record of this type is published at all (``publish_when``; e.g. a penalty
    only under 普通程序 and not for a warning alone)."""
    return all(cleaned.get(name) in allowed for name, allowed in (spec.get("publish_when") or {}).items())


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def publication_end(spec: Spec, cleaned: dict[str, Any], start: date) -> date | None:
    """The last day a record published on ``start`` stays public, or ``None``: until removed.

    The type's ``months`` (or the first matching ``cases`` entry's) counted from ``start``; cut short
    by the earliest filled ``until_fields`` date (移出日期, 有效期至, 注销日期 …); extended to the
    ``at_least_until_field`` date when that is later (a restriction longer than the period).
    """
    period = spec.get("publication") or {}
    months = period.get("months")
    for case in period.get("cases") or []:
        if cleaned.get(case["field"]) in case["in"]:
            months = case["months"]
            break
    end = _add_months(start, months) if isinstance(months, int) else None
    for name in period.get("until_fields") or []:
        if cleaned.get(name):
            until = date.fromisoformat(cleaned[name])
            end = until if end is None else min(end, until)
    floor_field = period.get("at_least_until_field")
    if end is not None and floor_field and cleaned.get(floor_field):
        end = max(end, date.fromisoformat(cleaned[floor_field]))
    return end


# --- checking an edited spec ----------------------------------------------------------------------


def spec_problems(types: list[Spec]) -> list[str]:
    """What is wrong with a (possibly admin-edited) list of record types; empty when usable."""
    problems: list[str] = []
    seen: set[str] = set()
    for spec in types:
        code = spec.get("code", "?")
        if code in seen:
            problems.append(f"信息类别代码重复：{code}")
        seen.add(code)
        names = [field.get("name") for field in spec.get("fields", [])]
        fields = {field.get("name"): field for field in spec.get("fields", [])}
        if len(set(names)) != len(names):
            problems.append(f"{code}：字段名重复")
        for field in spec.get("fields", []):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(field.get("name", ""))):
                problems.append(f"{code}：字段名“{field.get('name')}”应为小写英文加下划线")
            if field.get("type") not in FIELD_TYPES:
                problems.append(f"{code}.{field.get('name')}：未知字段类型“{field.get('type')}”")
            if field.get("type") == "choice" and not field.get("choices"):
                problems.append(f"{code}.{field.get('name')}：选项字段没有选项")
        for key, kind in (("document_field", None), ("produced_field", "date")):
            target = fields.get(spec.get(key))
            if target is None:
                problems.append(f"{code}：{key} 指向不存在的字段")
            elif not target.get("required") or (kind and target.get("type") != kind):
                problems.append(f"{code}：{key} 应为必填{'日期' if kind else ''}字段")
        for name, allowed in (spec.get("publish_when") or {}).items():
            codes = {choice["code"] for choice in fields.get(name, {}).get("choices") or []}
            if name not in fields or not set(allowed) <= codes:
                problems.append(f"{code}：publish_when 的“{name}”不是选项字段或含未知选项")
        period = spec.get("publication") or {}
        for name in [*(period.get("until_fields") or []), period.get("at_least_until_field")]:
            if name and fields.get(name, {}).get("type") != "date":
                problems.append(f"{code}：公示期引用的“{name}”不是日期字段")
        for rule in spec.get("rules") or []:
            if rule.get("rule") not in RULES:
                problems.append(f"{code}：未知规则“{rule.get('rule')}”")
            for name in _rule_fields(rule):
                if name not in fields:
                    problems.append(f"{code}：规则引用不存在的字段“{name}”")
    return problems
