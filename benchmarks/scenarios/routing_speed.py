"""Scenario 6: business-scope matching against a catalogue of 2,000 keywords, on one core."""

from __future__ import annotations

import random
import time

from casework.lifecycles.registration_push.routing import CatalogueMatcher

from ..report import Row

CHARS = (
    "经营销售服务技术咨询开发生产加工制造批发零售信息软件建筑工程设备材料农产品养殖种植运输仓储广告设计印刷"
)


def run(*, scopes: int, keywords: int = 2000) -> list[Row]:
    rng = random.Random(6)
    words: set[str] = set()
    while len(words) < keywords:
        words.add("".join(rng.choice(CHARS) for _ in range(rng.randint(3, 6))) + f"{len(words)}类")
    words_list = sorted(words)
    items = [(f"X-{i:04d}", f"事项{i}", f"S{i % 26}", words_list[i::200]) for i in range(200)]
    matcher = CatalogueMatcher(items)
    texts = []
    for _ in range(scopes):
        parts = ["".join(rng.choice(CHARS) for _ in range(rng.randint(4, 10))) for _ in range(6)]
        for _ in range(rng.randint(0, 4)):
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(words_list))
        parts.append("（不含" + rng.choice(words_list) + "）")
        texts.append("；".join(parts))
    started = time.perf_counter()
    hits = sum(len(matcher.match(text)) for text in texts)
    elapsed = time.perf_counter() - started
    rate = scopes / elapsed
    scenario = "6 经营范围匹配 routing"
    return [
        Row(scenario, "catalogue keywords", matcher.keyword_count, "keywords"),
        Row(scenario, "scopes matched", scopes, "scopes"),
        Row(scenario, "keyword hits per scope", hits / scopes, "hits"),
        Row(scenario, "throughput, 1 process", rate, "scopes/s", "≥ 20,000", rate >= 20_000),
    ]
