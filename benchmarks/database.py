"""The benchmark's own database: a scratch copy next to the configured one, never the live data.

PostgreSQL: ``<name>_benchmark`` on the same server (dropped and created afresh for each run).
SQLite: ``var/benchmark.sqlite3``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url

SUFFIX = "_benchmark"


def bench_url(configured: str) -> str:
    """The URL of the scratch database that belongs to ``configured``.

    ``BENCHMARK_DATABASE_URL`` names another one (a dedicated server, or two runs side by side).
    """
    override = os.environ.get("BENCHMARK_DATABASE_URL")
    if override:
        return override
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        name = parts.path.lstrip("/") or "postgres"
        if not name.endswith(SUFFIX):
            name += SUFFIX
        return urlunsplit(parts._replace(path="/" + name))
    path = Path(dj_database_url.parse(configured)["NAME"])
    return f"sqlite:///{path.with_name('benchmark.sqlite3')}"


def _pg_admin(url: str):
    import psycopg2

    cfg = dj_database_url.parse(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=cfg["USER"],
        password=cfg["PASSWORD"],
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
    )
    conn.autocommit = True
    return conn, cfg["NAME"]


class InUse(Exception):
    """Another benchmark run is using the scratch database."""


def recreate(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        conn, name = _pg_admin(url)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
            if cur.fetchone()[0]:
                conn.close()
                raise InUse(name)
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return
    drop(url)


def drop(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        conn, name = _pg_admin(url)
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
        return
    path = dj_database_url.parse(url)["NAME"]
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def engine_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"
