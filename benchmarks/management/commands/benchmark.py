"""python manage.py benchmark [--scale smoke|full] [--json FILE] — throughput and latency figures.

Runs on a scratch database next to the configured one (``<name>_benchmark`` on the same
PostgreSQL server, or ``var/benchmark.sqlite3``), so live data is never touched: the command
creates it, re-runs itself there with the benchmark settings (which add the viewflow peer
app), migrates, builds its world, runs the scenarios and drops the database again.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from benchmarks import database
from benchmarks.report import Row, render

CHILD = "XTJG_BENCHMARK_CHILD"
SCALES = {
    "smoke": {
        "lifecycle": 40,
        "one_department": 30,
        "intake": 300,
        "intake_single": 100,
        "inbox_total": 50_000,
        "inbox_open": 10_000,
        "inbox_samples": 50,
        "timers": 100,
        "scopes": 5_000,
        "portal_enterprises": 20_000,
        "portal_published": 300,
        "portal_samples": 50,
        "import_rows": 500,
        "draw_population": 20_000,
        "draw_targets": 200,
        "studio_cases": 20,
        "monitor_instances": 2_000,
        "monitor_samples": 20,
    },
    "full": {
        "lifecycle": 3_000,
        "one_department": 2_000,
        "intake": 120_000,
        "intake_single": 5_000,
        "inbox_total": 5_000_000,
        "inbox_open": 1_000_000,
        "inbox_samples": 300,
        "timers": 10_000,
        "scopes": 100_000,
        "portal_enterprises": 1_000_000,
        "portal_published": 3_000,
        "portal_samples": 300,
        "import_rows": 50_000,
        "draw_population": 1_000_000,
        "draw_targets": 10_000,
        "studio_cases": 1_000,
        "monitor_instances": 100_000,
        "monitor_samples": 100,
    },
}
SCENARIOS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10")


class Command(BaseCommand):
    help = "性能基准：引擎、待办列表、定时器、登记推送、公示系统查询与批量导入的吞吐和延迟（在独立的基准数据库上运行）"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
        parser.add_argument("--json", dest="json_file", help="also write the figures to this JSON file")
        parser.add_argument(
            "--workers",
            type=int,
            default=max(2, 2 * (os.cpu_count() or 1)),
            help="worker processes for the parallel scenarios (default: 2 per core)",
        )
        parser.add_argument(
            "--only", default=",".join(SCENARIOS), help="comma-separated scenario numbers, e.g. 1,4"
        )
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=N",
            help=f"override one size of the scale ({', '.join(SCALES['full'])})",
        )

    def handle(self, *args, **options):
        only = {s.strip() for s in options["only"].split(",") if s.strip()}
        unknown = only - set(SCENARIOS)
        if unknown:
            raise CommandError(f"未知的场景编号：{', '.join(sorted(unknown))}（可选 {', '.join(SCENARIOS)}）")
        for item in options["set"]:
            name, _, value = item.partition("=")
            if name not in SCALES["full"] or not value.isdigit():
                raise CommandError(f"--set 需要 名称=正整数，名称可选 {', '.join(SCALES['full'])}")
        if options["workers"] < 1:
            raise CommandError("--workers 至少为 1")
        if os.environ.get(CHILD):
            return self._run(only, options)
        return self._launch()

    # --- parent: make the scratch database and re-run inside it ---------------------

    def _launch(self) -> None:
        configured = os.environ.get("DATABASE_URL") or f"sqlite:///{settings.VAR_DIR / 'db.sqlite3'}"
        url = database.bench_url(configured)
        keep = "--keep" in sys.argv
        self.stdout.write(f"基准数据库：{url.rsplit('@', 1)[-1]}（独立于业务数据库，运行后删除）")
        try:
            database.recreate(url)
        except database.InUse as exc:
            raise CommandError(
                f"基准数据库 {exc} 正被另一次基准运行使用；等它结束，或用 BENCHMARK_DATABASE_URL 另指一个"
            ) from None
        env = {
            **os.environ,
            CHILD: "1",
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings_benchmark",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            # All the work a case causes is done inside the measured processes, e-mail included,
            # without a broker queue filling up with nobody to read it.
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "CELERY_BROKER_URL": "memory://",
        }
        manage = Path(settings.BASE_DIR) / "manage.py"
        try:
            result = subprocess.run([sys.executable, str(manage), *sys.argv[1:]], env=env, check=False)
        finally:
            if not keep:
                database.drop(url)
        if result.returncode:
            raise CommandError(f"基准运行失败（退出码 {result.returncode}）")

    # --- child: inside the scratch database --------------------------------------------

    def _run(self, only: set[str], options: dict) -> None:
        from benchmarks import world
        from benchmarks.scenarios import (
            batch_import,
            draw,
            engine_ceiling,
            inbox,
            intake,
            lifecycle,
            peer,
            portal,
            routing_speed,
            studio,
            timers,
        )

        scale, workers = dict(SCALES[options["scale"]]), options["workers"]
        for item in options["set"]:
            name, _, value = item.partition("=")
            scale[name] = int(value)
        started = time.time()
        call_command("migrate", verbosity=0)
        world.build()
        world.warm()
        rows: list[Row] = []
        printed = 0

        def step(label: str) -> None:
            nonlocal printed
            if options["scale"] != "full":  # smoke scale checks correctness; targets are for full scale
                for row in rows[printed:]:
                    if not row.target.startswith("="):
                        row.met = None
            if rows[printed:]:  # each scenario's figures as soon as it ends
                self.stdout.write(render(rows[printed:]))
                printed = len(rows)
                self._write_json(options, scale, workers, started, rows)
            self.stdout.write(f"[{time.time() - started:7.1f}s] {label}")

        if "6" in only:
            step("6 routing")
            rows += routing_speed.run(scopes=scale["scopes"])
        if "2" in only:
            n = scale["one_department"]
            step("2b engine ceiling")
            ceiling_rows, ceiling = engine_ceiling.run(n=n, workers=workers)
            ceiling_rows_1, _ = engine_ceiling.run(n=n // 2, workers=1)
            step("2a ours, 1 department")
            ours_rows = lifecycle.run(
                scenario="2a 本系统 1 部门", n=n, departments=1, workers=workers, tag="A", target=None
            )
            ours = next(r.value for r in ours_rows if r.metric == "throughput")
            step("2c viewflow peer")
            peer_rows, peer_rate = peer.run(n=n, workers=workers)
            rows += ours_rows + ceiling_rows + ceiling_rows_1 + peer_rows
            rows.append(
                Row(
                    "2 对比 ratios",
                    "(a)/(b) ours ÷ engine ceiling",
                    ours / ceiling,
                    "×",
                    "≥ 0.3",
                    ours / ceiling >= 0.3,
                )
            )
            rows.append(
                Row(
                    "2 对比 ratios",
                    "(a)/(c) ours ÷ viewflow",
                    ours / peer_rate,
                    "×",
                    "≥ 2.0",
                    ours / peer_rate >= 2.0,
                )
            )
        if "1" in only:
            step("1 双告知 lifecycle, 2 departments")
            rows += lifecycle.run(
                scenario="1 双告知 2 部门",
                n=scale["lifecycle"],
                departments=2,
                workers=workers,
                tag="L",
                target=100,
            )
        if "3" in only:
            step("3 intake burst")
            rows += intake.run(n=scale["intake"], single=scale["intake_single"], workers=workers)
        if "4" in only:
            step("4 inbox")
            rows += inbox.run(
                total=scale["inbox_total"], open_tasks=scale["inbox_open"], samples=scale["inbox_samples"]
            )
        if "5" in only:
            step("5 timers")
            rows += timers.run(n=scale["timers"], workers=workers)
        if "8" in only:  # before 7, so its peak memory is not the directory generator's
            step("8 batch import")
            rows += batch_import.run(rows=scale["import_rows"])
        if "7" in only:
            step("7 public portal")
            rows += portal.run(
                enterprises=scale["portal_enterprises"],
                published=scale["portal_published"],
                samples=scale["portal_samples"],
            )
        if "9" in only:  # after 7: the draw reuses the portal's directory
            step("9 双随机 draw")
            rows += draw.run(population=scale["draw_population"], targets=scale["draw_targets"])
        if "10" in only:  # last: it deploys a v2 of registration_push and migrates its cases there
            step("10 流程管理 studio")
            rows += studio.run(
                cases=scale["studio_cases"],
                instances=scale["monitor_instances"],
                samples=scale["monitor_samples"],
                workers=workers,
            )
        step("done")
        self.stdout.write("")
        self.stdout.write(
            f"scale={options['scale']} {scale}\ndatabase={database.engine_name()}  workers={workers}  "
            f"cpus={os.cpu_count()}  python={platform.python_version()}  total {time.time() - started:.0f}s"
        )
        self.stdout.write(render(rows))
        if options["json_file"]:
            self._write_json(options, scale, workers, started, rows)
            self.stdout.write(f"已写入 {options['json_file']}")

    def _write_json(self, options, scale, workers, started, rows) -> None:
        if not options["json_file"]:
            return
        report = {
            "scale": options["scale"],
            "sizes": scale,
            "database": database.engine_name(),
            "workers": workers,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "seconds": round(time.time() - started, 1),
            "rows": [r.as_dict() for r in rows],
        }
        Path(options["json_file"]).write_text(json.dumps(report, ensure_ascii=False, indent=2))
