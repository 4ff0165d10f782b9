"""The leaders' dashboard."""
