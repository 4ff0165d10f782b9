"""The JSON API under /api/v1 (docs/api.md): the same operations, permissions and scope as the
pages, for other systems with API tokens; its OpenAPI document is generated from its schemas."""
