"""流程管理 (the process studio) for 流程管理员: edit and deploy BPMN in the browser, versions and
their diff, migrating running cases, and the monitor of cases (the platform's Cockpit).

Each page module holds its views and its ``urlpatterns``; ``pages.register()`` mounts them in
the workbench at start-up.  The engine side lives in ``processes`` (deploy, validation, diff,
migration); these pages only read, check who asks, and call it.
"""
