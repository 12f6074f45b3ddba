"""Scenario 7: the 公示系统 (public portal) over a large enterprise directory.

Generates ``enterprises`` rows of the 名录库 (COPY on PostgreSQL with the secondary indexes
built afterwards, batched inserts on SQLite) with realistic Chinese names — 字号 drawn from a
skewed pool of the characters real 字号 use, 行业 and 组织形式, 个体工商户 and 专业合作社 among
them — and valid credit codes, then published 行政许可 records (state 已公示, values checked by
the spec) for ``published`` of them.  Then times, through the Django test Client (middleware,
template and all), what a member of the public does:

- search by an exact 统一社会信用代码;
- search by a 2–4 character name fragment, page 1 (sampled from the names as people type them:
  mostly the 字号, sometimes 字号 + 行业, an 行业 word, or any piece of a name), with the cache
  cleared before each (a broad search's capped ranking is kept for its next pages);
- the enterprise page of an enterprise with published records.

The portal's rate limits are switched off for the run by settings (``PORTAL_SEARCHES_PER_MINUTE``
and ``PORTAL_PAGES_PER_MINUTE`` = 0, which ``throttle.allow`` reads as "no limit"): every request
still goes through the views' throttle check, which is part of what is timed.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.lifecycles.collection import services as collection
from casework.lifecycles.collection.models import CollectedRecord
from casework.organization.models import Department
from casework.portal import selectors

from ..report import Row, latency_rows
from .inbox import _copy, _drop_secondary_indexes, _next_id

TARGET_MS = 100
CHUNK = 50_000
SCENARIO = "7 公示系统 portal"

#: Characters of 字号, most common first (鑫, 盛, 华 … are far more frequent than 麟 or 曦).
ZIHAO = (
    "鑫盛华泰隆源恒达兴旺瑞祥福德嘉金宏润丰顺安康宁和信诚新天佳美众利通远博创凯汇鼎聚明辉志成永昌"
    "建中正君豪荣发亿万家乐欣锦绣川蜀巴渝峰岭溪江河海湖山林森青松竹梅兰春秋阳光星月云龙凤鹏鹤鸿"
    "燕鹰宇晨朝红绿紫银玉翠珠宝晶泽惠民益农收富贵吉庆喜悦尚品优卓越精工匠心诺邦联合力道远航启帆"
    "蓝图腾飞跃升东南西北蜀道剑门翠云嘉陵白龙米仓秦巴女皇凤凰麒麟曦"
)
ZIHAO_WEIGHTS = [1 / (rank + 3) ** 0.8 for rank in range(len(ZIHAO))]
INDUSTRIES = (
    "商贸",
    "餐饮管理",
    "建筑工程",
    "科技",
    "农业开发",
    "物流",
    "医药",
    "电子商务",
    "文化传媒",
    "房地产开发",
    "汽车销售",
    "装饰工程",
    "食品",
    "酒店管理",
    "旅游开发",
    "机械设备",
    "建材",
    "农产品",
    "生态养殖",
    "服装",
    "家具",
    "茶业",
    "劳务",
    "信息技术",
    "教育咨询",
    "环保科技",
    "新能源",
    "矿业",
    "运输",
    "广告",
)
FORMS = (("有限公司", 70), ("有限责任公司", 22), ("股份有限公司", 3), ("实业有限公司", 5))
SHOPS = (
    "面馆",
    "火锅店",
    "百货店",
    "便利店",
    "五金店",
    "理发店",
    "小吃店",
    "蔬菜店",
    "农资店",
    "茶馆",
    "超市",
    "药店",
    "烟酒店",
    "服装店",
    "水果店",
    "烧烤店",
    "汽车修理部",
    "手机店",
)
COOP_GOODS = ("猕猴桃种植", "生猪养殖", "核桃种植", "茶叶", "蔬菜种植", "中药材种植", "土鸡养殖", "蜂业")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰霞建国红梅志强文辉"
#: (division, the name prefix an enterprise registered there uses)
PLACES = (
    ("510800", "广元市"),
    ("510800", "广元"),
    ("510800", "四川"),
    ("510802", "广元市利州区"),
    ("510811", "广元市昭化区"),
    ("510824", "苍溪县"),
)
COUNTIES = (("510802", "利州区"), ("510811", "昭化区"), ("510824", "苍溪县"))
KIND_DIGIT: dict[str, str] = {
    Enterprise.Kind.ENTERPRISE: "1",
    Enterprise.Kind.INDIVIDUAL: "2",
    Enterprise.Kind.COOPERATIVE: "3",
}
BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100's 31 characters


def _body(i: int) -> str:
    """A unique 8-character 主体标识 body for the i-th generated enterprise ('P' + base 31)."""
    digits = []
    for _ in range(7):
        i, r = divmod(i, len(BODY_CHARS))
        digits.append(BODY_CHARS[r])
    return "P" + "".join(reversed(digits))


def _zihao(rng: random.Random) -> str:
    length = 2 if rng.random() < 0.85 else 3
    return "".join(rng.choices(ZIHAO, weights=ZIHAO_WEIGHTS, k=length))


def _name(rng: random.Random) -> tuple[str, str, str, str]:
    """(kind, division, name, 字号 + 行业 part people would type)."""
    roll = rng.random()
    if roll < 0.35:
        division, county = rng.choice(COUNTIES)
        owner = rng.choice(SURNAMES) + (
            rng.choice(("记", "氏", "家")) if rng.random() < 0.5 else rng.choice(GIVEN)
        )
        shop = rng.choice(SHOPS)
        return Enterprise.Kind.INDIVIDUAL, division, f"{county}{owner}{shop}", owner + shop
    zihao = _zihao(rng)
    if roll < 0.40:
        division, county = rng.choice(COUNTIES)
        goods = rng.choice(COOP_GOODS)
        return Enterprise.Kind.COOPERATIVE, division, f"{county}{zihao}{goods}专业合作社", zihao + goods
    division, prefix = rng.choice(PLACES)
    industry = rng.choice(INDUSTRIES)
    form = rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]
    return Enterprise.Kind.ENTERPRISE, division, f"{prefix}{zihao}{industry}{form}", zihao + industry


def fragment(rng: random.Random, name: str, typed: str) -> str:
    """A 2–4 character piece of a name, as people search: mostly the start of its 字号."""
    roll = rng.random()
    if roll < 0.5:
        return typed[:2]
    if roll < 0.7:
        return typed[:4]
    if roll < 0.85:
        start = rng.randrange(max(1, len(typed) - 3))
        return typed[start : start + rng.choice((2, 3, 4))]
    length = rng.choice((2, 3, 4))
    start = rng.randrange(max(1, len(name) - length))
    return name[start : start + length]


def generate(*, enterprises: int, published: int, seed: int = 7) -> dict:
    """Append ``enterprises`` directory rows and published records for ``published`` of them."""
    rng = random.Random(seed)
    industries = random.Random(seed + 1)  # apart, so the names stay those of earlier runs
    authority = Department.objects.filter(code="SCJG").values_list("pk", flat=True).first()
    fields = [f.name for f in Enterprise._meta.concrete_fields]
    first = _next_id(Enterprise)
    now = timezone.now()
    started = time.perf_counter()
    samples: list[tuple[int, str, str, str]] = []  # (id, credit code, name, typed part)
    keep_every = max(1, enterprises // 5_000)
    with transaction.atomic():
        rebuild: list[str] = []
        if connection.vendor == "postgresql":
            # The foreign key (登记机关) is not checked row by row: the generator names an existing one.
            connection.cursor().execute("SET LOCAL session_replication_role = replica")
            connection.cursor().execute("SET LOCAL maintenance_work_mem = '1GB'")
            rebuild = _drop_secondary_indexes(Enterprise)
        for chunk_start in range(0, enterprises, CHUNK):
            rows = []
            for i in range(chunk_start, min(enterprises, chunk_start + CHUNK)):
                kind, division, name, typed = _name(rng)
                code = make_credit_code("9", KIND_DIGIT[kind], division, _body(first + i))
                roll = rng.random()
                established = date(2026, 11, 30) - timedelta(days=rng.randrange(25 * 365))
                row = {
                    "id": first + i,
                    "credit_code": code,
                    "credit_code_warning": "",
                    "registration_number": "",
                    "name": name,
                    "kind": kind,
                    "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "address": f"四川省{dict(COUNTIES).get(division, '广元市')}{rng.choice(ZIHAO)}{rng.choice(('路', '街', '巷'))}"
                    f"{rng.randrange(1, 300)}号",
                    "business_scope": "",
                    "registration_authority": authority,
                    "division_code": division,
                    "status": "active" if roll < 0.85 else ("cancelled" if roll < 0.97 else "revoked"),
                    "risk_class": "B",
                    "industry": industries.choice("CEFFFHHILM"),
                    "established_on": established.isoformat(),
                    "created_at": now,
                    "updated_at": now,
                }
                rows.append(tuple(row[f] for f in fields))
                if i % keep_every == 0:
                    samples.append((first + i, code, name, typed))
            _copy(Enterprise, rows)
        with connection.cursor() as cursor:
            for statement in rebuild:
                cursor.execute(statement)
    generated = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Enterprise._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
            )
    with_records = rng.sample(samples, min(published, len(samples)))
    made = _publish(rng, with_records)
    if connection.vendor == "postgresql":
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        connection.cursor().execute(f"{verb} casework_enterprise")
        connection.cursor().execute(f"{verb} {CollectedRecord._meta.db_table}")
    return {
        "seconds": generated,
        "samples": samples,
        "with_records": [code for _, code, _, _ in with_records],
        "records": made,
    }


def _publish(rng: random.Random, enterprises: list[tuple[int, str, str, str]]) -> int:
    """1–3 published 行政许可 records for each enterprise, values as the spec cleans them."""
    providers = list(Department.objects.approving().filter(division_code__startswith="5108"))
    spec = collection.type_spec("permit")
    fmt = collection.current_format()
    records: list[CollectedRecord] = []
    published_at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    for n, (pk, code, name, _) in enumerate(enterprises):
        for k in range(rng.choice((1, 1, 2, 3))):
            provider = rng.choice(providers)
            decided = date(2026, 10, 30) - timedelta(days=rng.randrange(3 * 365))
            values = {
                "permit_number": f"川{provider.code[-3:]}许〔{decided.year}〕{n:05d}{k}号",
                "permit_name": rng.choice(
                    ("食品经营许可证", "卫生许可证", "医疗机构执业许可证", "道路运输经营许可证")
                ),
                "permit_category": "general",
                "decision_date": decided.isoformat(),
                "valid_from": decided.isoformat(),
                "valid_to": (decided + timedelta(days=5 * 365)).isoformat(),
                "permit_authority": provider.name,
                "permit_content": "经营项目：预包装食品销售（含冷藏冷冻食品）、散装食品销售",
                "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            }
            _, clean_code, cleaned, errors = collection.check_record(
                record_type="permit", credit_code=code, enterprise_name=name, values=values, fmt=fmt
            )
            assert not errors, errors
            records.append(
                CollectedRecord(
                    record_type="permit",
                    type_name=spec["name"],
                    provider=provider,
                    credit_code=clean_code,
                    enterprise_name=name,
                    enterprise_id=pk,
                    document_number=values["permit_number"],
                    produced_on=decided,
                    values=cleaned,
                    state=CollectedRecord.State.PUBLISHED,
                    channel=CollectedRecord.Channel.FILE,
                    backfill=True,
                    format_version=fmt.version,
                    area_code=provider.division_code,
                    published_at=published_at,
                )
            )
    CollectedRecord.objects.bulk_create(records, batch_size=1_000)
    return len(records)


def _timed(client: Client, url: str, params: dict | None = None) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, params, response.status_code)
    return elapsed, response.content


def _name_hits(text: str) -> int:
    return selectors.search(selectors.parse_query(text)).count()


def run(*, enterprises: int, published: int, samples: int) -> list[Row]:
    made = generate(enterprises=enterprises, published=published)
    rng = random.Random(77)
    pool = made["samples"]
    codes = [rng.choice(pool)[1] for _ in range(samples)]
    fragments = [
        fragment(rng, name, typed) for _, _, name, typed in (rng.choice(pool) for _ in range(samples))
    ]
    pages = [rng.choice(made["with_records"]) for _ in range(samples)]
    search_url = reverse("portal:search")
    client = Client()
    with override_settings(
        PORTAL_SEARCHES_PER_MINUTE=0,
        PORTAL_PAGES_PER_MINUTE=0,
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
    ):
        for code in codes[:5]:  # warm the templates, the URL resolver and the connection
            _timed(client, search_url, {"q": code})
            _timed(client, reverse("portal:enterprise", args=[code]))
        by_code, by_name, page = [], [], []
        for code in codes:
            elapsed, body = _timed(client, search_url, {"q": code})
            assert code.encode() in body, f"精确查询未找到 {code}"
            by_code.append(elapsed)
        for text in fragments:
            cache.clear()  # a broad search's ranking is kept for its next pages: time it cold
            elapsed, _ = _timed(client, search_url, {"q": text})
            by_name.append(elapsed)
        for code in pages:
            elapsed, body = _timed(client, reverse("portal:enterprise", args=[code]))
            assert "许可".encode() in body, f"企业页未显示公示信息 {code}"
            page.append(elapsed)
    hits = [_name_hits(text) for text in fragments]
    rows = [
        Row(
            SCENARIO,
            "enterprises in directory",
            Enterprise.objects.count(),
            "rows",
            f"≥ {enterprises:,}",
            Enterprise.objects.count() >= enterprises,
        ),
        Row(SCENARIO, "published records", made["records"], "records"),
        Row(SCENARIO, "generation (directory)", made["seconds"], "s"),
        Row(SCENARIO, "name fragment hits median (counted up to the cap)", statistics.median(hits), "rows"),
        Row(
            SCENARIO,
            f"name fragments with more than {selectors.RESULT_CAP:,} hits",
            sum(1 for n in hits if n >= selectors.RESULT_CAP),
            "searches",
        ),
    ]
    if connection.vendor == "postgresql":
        rows.append(
            Row(SCENARIO, "pg_trgm index on UPPER(name)", int(_has_index("%gin_trgm_ops%")), "present")
        )
        rows.append(
            Row(SCENARIO, "bigram index on UPPER(name)", int(_has_index("%casework_bigrams%")), "present")
        )
    for label, seconds in (
        ("search by credit code", by_code),
        ("search by name fragment, page 1", by_name),
        ("enterprise page with records", page),
    ):
        rows += latency_rows(SCENARIO, label, seconds, TARGET_MS)
        rows.append(Row(SCENARIO, f"{label} max", max(seconds) * 1000, "ms"))
    # Two characters give pg_trgm no trigram (the bigram index serves them): shown apart.
    for label, picked in (
        (
            "name fragment of 2 characters",
            [s for s, t in zip(by_name, fragments, strict=True) if len(t) == 2],
        ),
        (
            "name fragment of 3–4 characters",
            [s for s, t in zip(by_name, fragments, strict=True) if len(t) > 2],
        ),
    ):
        if picked:
            rows += latency_rows(SCENARIO, f"{label} ({len(picked)})", picked)
    return rows


def _has_index(definition: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
            [Enterprise._meta.db_table, definition],
        )
        return cursor.fetchone() is not None
