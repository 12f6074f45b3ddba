"""The viewflow Site: one application (the workbench), so no "Applications" menu section."""

from viewflow.urls import Site


class WorkbenchSite(Site):
    title = "部门协同监管平台"
    primary_color = "#1565c0"
    menu_template_name = None
