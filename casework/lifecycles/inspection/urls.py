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
