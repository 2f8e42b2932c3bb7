"""The staff console: live editing for match-day editors (issue 6)."""
