"""The workbench: inbox and task pages, task API, task forms, and what lifecycles add to it."""
