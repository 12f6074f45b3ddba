"""公示系统 search by name at scale: two-character fragments and the capped count.

On PostgreSQL a two-character fragment is looked up in the bigram index (``casework_bigrams``);
elsewhere by LIKE. Either way it must find exactly the names that contain the two characters
next to each other, in either case for Latin letters.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.portal import selectors

pytestmark = pytest.mark.django_db

NAMES = (
    "广元市蜀味餐饮文化有限公司",
    "利州区蜀味坊小吃店",
    "苍溪县味蜀农业开发有限公司",  # 味蜀: the same two characters the other way round
    "绵阳市Abc清泉科技有限公司",
    "昭化区蜀道餐饮店",  # 蜀 and 餐 both, never next to each other
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def names():
    for i, name in enumerate(NAMES):
        Enterprise.objects.create(
            credit_code=make_credit_code("9", "1", "510800", f"MA8T{i:04d}"),
            name=name,
            kind=Enterprise.Kind.ENTERPRISE,
            division_code="510800",
        )


def _found(q: str) -> list[str]:
    return [hit.name for hit in selectors.search(selectors.parse_query(q))]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("蜀味", ["利州区蜀味坊小吃店", "广元市蜀味餐饮文化有限公司"]),
        ("味蜀", ["苍溪县味蜀农业开发有限公司"]),
        ("蜀餐", []),
        ("bc", ["绵阳市Abc清泉科技有限公司"]),
        ("ＡＢ", ["绵阳市Abc清泉科技有限公司"]),  # full-width, as typed on a phone
        ("餐饮", ["广元市蜀味餐饮文化有限公司", "昭化区蜀道餐饮店"]),
        ("蜀味餐饮", ["广元市蜀味餐饮文化有限公司"]),
    ],
)
def test_a_fragment_finds_exactly_the_names_holding_it(names, q, expected):
    assert sorted(_found(q)) == sorted(expected)


def test_a_broad_search_counts_to_the_cap_and_says_so(client, names, monkeypatch):
    monkeypatch.setattr(selectors, "RESULT_CAP", 2)
    results = selectors.search(selectors.parse_query("有限"))
    assert results.count() == 2 and results.capped
    shown = [hit.name for hit in results]
    assert shown == sorted(shown) and all("有限" in name for name in shown)

    # The next page of the same search pages through the same capped set.
    # (Even when a new match arrives in between that the scan would now meet first.)
    first = selectors.search(selectors.parse_query("有限"))[0:1]
    Enterprise.objects.create(
        credit_code=make_credit_code("9", "1", "510800", "MA8T9999"),
        name="一二三有限公司",
        kind=Enterprise.Kind.ENTERPRISE,
        division_code="510800",
    )
    second = selectors.search(selectors.parse_query("有限"))[1:2]
    assert [hit.name for hit in first + second] == shown

    html = client.get("/gs/", {"q": "有限"}).content.decode()
    assert "超过 2 户" in html and 'data-testid="capped-hint"' in html
    assert html.count('data-testid="result"') == 2

    narrow = client.get("/gs/", {"q": "蜀味"}).content.decode()
    assert "共 2 户" in narrow and 'data-testid="capped-hint"' not in narrow


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bigram index is PostgreSQL's")
def test_two_character_searches_can_use_the_bigram_index(names):
    """The query's expression must be the index's, word for word, or the index is never used."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ran:
        selectors.search(selectors.parse_query("蜀味")).count()
    sql = next(q["sql"] for q in ran.captured_queries if "casework_bigrams" in q["sql"])
    with connection.cursor() as cursor:
        # Only a bitmap scan left to choose: one needs an index whose expression the query names.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "casework_enterprise_name_bigram" in plan, plan
