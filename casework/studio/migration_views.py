"""Studio page: migrating the running cases of one version to another version of the process.

The admin picks cases and a target version, 试迁移 shows per case what would happen (task mapping,
timers recomputed, open tasks, 可迁移 / 不可迁移 with the reasons), then 执行迁移 migrates the
chosen safe cases and shows the outcome.  The engine does the work (``processes.migration``): a dry
run changes nothing, and a migration re-checks each case with a fresh dry run under its row lock.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views import View

from processes.migration import (
    REASON_MAX,
    BatchRefused,
    cancel_batch,
    dry_run,
    migrate_instances,
    start_batch,
)
from processes.models import MigrationBatch

from . import migration_selectors as selectors
from .access import ProcessAdminRequired

PAGE_SIZE = 50
MAX_SELECTION = 200  # a dry run loads every chosen case: one page of choices at a time


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


class MigrateView(ProcessAdminRequired, View):
    """迁移案件: running cases of a version → dry run → migrate the chosen safe ones."""

    def get(self, request, version_id: int):
        version = selectors.version_or_404(version_id)
        return self._page(request, version)

    def post(self, request, version_id: int):
        version = selectors.version_or_404(version_id)
        targets = selectors.target_versions(version)
        target = next((v for v in targets if str(v.pk) == request.POST.get("target", "")), None)
        ids = _ids(request.POST.getlist("case"))
        if target is None:
            messages.error(request, "请选择要迁移到的目标版本")
            return self._page(request, version, chosen=ids, status=400)
        if request.POST.get("action") == "batch":
            try:
                batch = start_batch(version, target, request.user, request.POST.get("reason", ""))
            except BatchRefused as exc:
                messages.error(request, exc.message)
                return self._page(
                    request, version, target=target, reason=request.POST.get("reason", ""), status=400
                )
            messages.success(
                request,
                f"已开始批量迁移 {batch.total} 件案件到 v{target.version}，可离开本页，迁移在后台继续",
            )
            return redirect("workbench:studio-migration-batch", batch.pk)
        if not ids:
            messages.error(request, "请至少选择一件案件")
            return self._page(request, version, target=target, status=400)
        if len(ids) > MAX_SELECTION:
            messages.error(request, f"一次最多选择 {MAX_SELECTION} 件案件")
            return self._page(request, version, target=target, chosen=ids, status=400)
        cases = selectors.selected_cases(version, ids)
        if not cases:
            messages.error(request, "所选案件已不在该版本上，请刷新后重新选择")
            return self._page(request, version, target=target, status=400)
        if request.POST.get("action") == "migrate":
            expected = {}
            for case in cases:
                seen = request.POST.get(f"seen_{case.pk}", "")
                if seen.isdigit():
                    expected[case.pk] = int(seen)
            outcomes = migrate_instances(
                [c.pk for c in cases], target.pk, request.user, expected_versions=expected
            )
            done = sum(1 for o in outcomes if o.migrated)
            if done:
                messages.success(request, f"已迁移 {done} 件案件到 v{target.version}")
            if done < len(outcomes):
                messages.error(request, f"{len(outcomes) - done} 件案件未迁移，原因见迁移结果")
            return self._page(request, version, target=target, outcomes=outcomes)
        plans = [dry_run(case, target) for case in cases]
        return self._page(request, version, target=target, chosen=[c.pk for c in cases], plans=plans)

    def _page(
        self, request, version, *, target=None, chosen=None, plans=None, outcomes=None, reason="", status=200
    ):
        targets = selectors.target_versions(version)
        if target is None:
            target = next((v for v in targets if v.is_active), targets[0] if targets else None)
        cases = Paginator(selectors.running_cases(version), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "studio/migrate.html",
            {
                "title": f"{version.definition.name} v{version.version} · 迁移案件",
                "version": version,
                "definition": version.definition,
                "targets": targets,
                "target": target,
                "cases": cases,
                "chosen": set(chosen or []),
                "plans": plans,
                "safe_count": sum(1 for p in plans or [] if p.safe),
                "outcomes": outcomes,
                "batches": selectors.batches_of(version),
                "reason": reason,
                "reason_max": REASON_MAX,
            },
            status=status,
        )


class BatchView(ProcessAdminRequired, View):
    """批量迁移: progress while the job runs, then the report (refused cases first, with reasons);
    停止 while it is queued or running."""

    def post(self, request, batch_id: int):
        batch = get_object_or_404(MigrationBatch, pk=batch_id)
        try:
            batch = cancel_batch(batch.pk, request.user, request.POST.get("reason", ""))
        except BatchRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已停止批量迁移 #{batch.pk}：已处理的案件保持结果，其余案件不再迁移")
        return redirect("workbench:studio-migration-batch", batch.pk)

    def get(self, request, batch_id: int):
        batch = get_object_or_404(
            MigrationBatch.objects.select_related("source__definition", "target", "created_by"), pk=batch_id
        )
        cases = Paginator(batch.cases.all(), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "studio/migration_batch.html",
            {
                "title": f"批量迁移 #{batch.pk}",
                "batch": batch,
                "definition": batch.source.definition,
                "cases": cases,
            },
        )


urlpatterns: list = [
    path("studio/versions/<int:version_id>/migrate/", MigrateView.as_view(), name="studio-migrate"),
    path("studio/migrations/<int:batch_id>/", BatchView.as_view(), name="studio-migration-batch"),
]
