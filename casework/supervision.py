"""效能督办: escalation of overdue tasks into supervision cases."""
