"""Shared mechanisms. No module here imports a feature package."""
