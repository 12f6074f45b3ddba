"""效能督办 (efficiency_supervision): overdue tasks escalate to the supervisors."""
