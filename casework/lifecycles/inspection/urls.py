"""双随机 web pages (in the workbench's ``workbench:`` namespace)."""

from django.urls import path

from . import directory_views as dv

# --- 两库 and the 抽查事项清单 (directory_views.py; helper-d's block) -----------------------------

directories = [
    path("inspection/items/", dv.ItemListView.as_view(), name="inspection-items"),
    path("inspection/items/new/", dv.ItemCreateView.as_view(), name="inspection-item-new"),
    path("inspection/items/<id:item_id>/", dv.ItemEditView.as_view(), name="inspection-item"),
    path("inspection/items/<id:item_id>/active/", dv.ItemActiveView.as_view(), name="inspection-item-active"),
    path("inspection/inspectors/", dv.InspectorListView.as_view(), name="inspection-inspectors"),
    path("inspection/inspectors/new/", dv.InspectorCreateView.as_view(), name="inspection-inspector-new"),
    path(
        "inspection/inspectors/<id:inspector_id>/",
        dv.InspectorDetailView.as_view(),
        name="inspection-inspector",
    ),
    path(
        "inspection/inspectors/<id:inspector_id>/availability/",
        dv.InspectorAvailabilityView.as_view(),
        name="inspection-inspector-availability",
    ),
    path(
        "inspection/inspectors/<id:inspector_id>/conflicts/",
        dv.ConflictDeclareView.as_view(),
        name="inspection-conflict-declare",
    ),
    path(
        "inspection/conflicts/<id:conflict_id>/withdraw/",
        dv.ConflictWithdrawView.as_view(),
        name="inspection-conflict-withdraw",
    ),
    path("inspection/directory/", dv.DirectoryView.as_view(), name="inspection-directory"),
]

# --- end of the 两库 block ------------------------------------------------------------------------

# --- 抽查计划 and draws (plan_views.py; helper-f's block) -------------------------------------------

from . import plan_views as pv  # noqa: E402

plan_pages = [
    path("inspection/plans/", pv.PlanListView.as_view(), name="inspection-plans"),
    path("inspection/plans/new/", pv.PlanCreateView.as_view(), name="inspection-plan-new"),
    path("inspection/plans/<id:plan_id>/", pv.PlanDetailView.as_view(), name="inspection-plan"),
    path("inspection/plans/<id:plan_id>/edit/", pv.PlanEditView.as_view(), name="inspection-plan-edit"),
    path("inspection/plans/<id:plan_id>/submit/", pv.PlanSubmitView.as_view(), name="inspection-plan-submit"),
    path(
        "inspection/plans/<id:plan_id>/withdraw/",
        pv.PlanWithdrawView.as_view(),
        name="inspection-plan-withdraw",
    ),
    path(
        "inspection/plans/<id:plan_id>/tasks/new/",
        pv.PlanTaskCreateView.as_view(),
        name="inspection-plan-task-new",
    ),
    path(
        "inspection/plans/<id:plan_id>/preview/", pv.PlanPreviewView.as_view(), name="inspection-plan-preview"
    ),
    path("inspection/plan-tasks/<id:task_id>/", pv.PlanTaskEditView.as_view(), name="inspection-plan-task"),
    path(
        "inspection/plan-tasks/<id:task_id>/remove/",
        pv.PlanTaskRemoveView.as_view(),
        name="inspection-plan-task-remove",
    ),
    path(
        "inspection/plan-tasks/<id:task_id>/draw/",
        pv.DrawTaskView.as_view(),
        name="inspection-plan-task-draw",
    ),
    path("inspection/draws/<id:draw_id>/", pv.DrawDetailView.as_view(), name="inspection-draw"),
    path("inspection/draws/<id:draw_id>/replay/", pv.DrawReplayView.as_view(), name="inspection-draw-replay"),
    path(
        "inspection/draws/<id:draw_id>/population.csv.gz",
        pv.DrawSnapshotView.as_view(),
        name="inspection-draw-snapshot",
    ),
]

# the public pages (一公开), mounted by the portal under /gs/ (names in ``portal:``)
public_pages = [
    path("draws/", pv.public_draws, name="draws"),
    path("draws/<int:draw_id>/", pv.public_draw, name="draw"),
    path("draws/<int:draw_id>/population.csv.gz", pv.public_snapshot, name="draw-snapshot"),
]

# --- end of the 抽查计划 block --------------------------------------------------------------------
