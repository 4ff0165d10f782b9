"""The JSON API under /api/v1: the same reports as the pages and the command line."""
