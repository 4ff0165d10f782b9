"""Periodic reception by heads of units: rules, planning, the legal minimum, who is behind."""
