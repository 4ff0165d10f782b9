"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the endpoint registry
and the same pydantic models the endpoints validate with (never written by hand)."""

from __future__ import annotations

import functools
from typing import Any

from flask import jsonify
from pydantic.json_schema import models_json_schema

from complaints.api import schemas as S
from complaints.api.base import ENDPOINTS, endpoint

REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "Thành công",
    201: "Đã tạo",
    400: "Tham số hoặc nội dung không hợp lệ (JSON sai dạng, tham số lạ, giá trị sai kiểu)",
    401: "Chưa xác thực: thiếu, sai, hết hạn hoặc đã thu hồi mã truy cập; hoặc ghi dữ liệu "
    "bằng phiên đăng nhập trình duyệt",
    403: "Không có quyền (theo vai trò của tài khoản)",
    404: "Không có bản ghi, hoặc bản ghi không thuộc phạm vi đơn vị của người gọi",
    409: "Xung đột: bản ghi đã bị người khác sửa (version cũ) hoặc đã được xử lý",
    415: "Nội dung không phải application/json",
    422: "Dữ liệu hợp lệ về dạng nhưng trái quy tắc nghiệp vụ hoặc quy trình (kèm lý do)",
}
DESCRIPTION = """\
API JSON của hệ thống tiếp công dân và giải quyết đơn thư. Cùng quyền, cùng phạm vi đơn vị và \
cùng quy tắc bảo mật người tố cáo như giao diện web.

**Xác thực.** `Authorization: Bearer <mã truy cập>`; mã do quản trị cấp (trang Mã truy cập API \
hoặc lệnh `flask --app complaints create-token`), hoạt động với vai trò và đơn vị của tài khoản \
gắn với nó. Phiên đăng nhập trình duyệt chỉ được đọc (GET).

**Phân trang.** `page` (từ 1) và `per_page` (tối đa 100); kết quả có `total` và `pages`.

**Lỗi.** `{"error": {"code", "message", "details"?}}`, thông báo bằng tiếng Việt.
"""
TAGS = [
    {"name": "Tài khoản", "description": "Người gọi API"},
    {"name": "Đơn vị", "description": "Cây đơn vị trong phạm vi người gọi"},
    {"name": "Tiếp công dân", "description": "Buổi tiếp và lượt tiếp"},
    {"name": "Đơn thư", "description": "Sổ đơn và xử lý đơn"},
    {"name": "Vụ việc", "description": "Vụ việc, diễn biến, quy trình, giao xử lý"},
    {"name": "Báo cáo", "description": "Các mẫu báo cáo"},
    {"name": "Tài liệu", "description": "Tài liệu OpenAPI này"},
]


def _error_statuses(e) -> list[int]:
    codes = {400, *e.errors}
    if not e.public:
        codes.add(401)
    if e.permission:
        codes.add(403)
    if e.path_params:
        codes.add(404)
    if e.body is not None:
        codes.update({415, 422})
    return sorted(codes)


def _label_enums(defs: dict) -> None:
    """Each enum lists its values with their Vietnamese labels."""
    by_name = {cls.__name__: cls for cls in S.ENUMS}
    for name, schema in defs.items():
        cls = by_name.get(name)
        if cls is not None and "enum" in schema:
            schema["description"] = "; ".join(f"`{m.value}`: {m.label}" for m in cls)


def _not_null(schema: dict) -> dict:
    """A query parameter is present or absent, never null: drop pydantic's null branch."""
    schema = dict(schema)
    choices = schema.pop("anyOf", None)
    if choices is not None:
        rest = [c for c in choices if c != {"type": "null"}]
        if len(rest) == 1:
            schema = {**rest[0], **schema}
        else:
            schema["anyOf"] = rest
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


def _parameters(e, defs: dict, refs: dict) -> list[dict]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in e.path_params.items()
    ]
    if e.query is not None:
        model = defs[refs[(e.query, "validation")]["$ref"].rsplit("/", 1)[1]]
        required = set(model.get("required", ()))
        for name, schema in model["properties"].items():
            schema = _not_null(schema)
            description = schema.pop("description", None)
            schema.pop("title", None)
            param = {"name": name, "in": "query", "required": name in required, "schema": schema}
            if description:
                param["description"] = description
            params.append(param)
    return params


def build() -> dict[str, Any]:
    """The whole document, from the registered endpoints and their models."""
    wanted: list[tuple[type, str]] = [(S.Error, "serialization")]
    for e in ENDPOINTS:
        for model, mode in ((e.query, "validation"), (e.body, "validation")):
            if model is not None:
                wanted.append((model, mode))
        if e.response is not None:
            wanted.append((e.response, "serialization"))
    wanted = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(wanted, ref_template=REF)
    defs = top.get("$defs", {})
    _label_enums(defs)
    error_ref = refs[(S.Error, "serialization")]

    paths: dict[str, dict] = {}
    for e in ENDPOINTS:
        if e.response is not None:
            success = refs[(e.response, "serialization")]
        else:
            success = {"type": "object"}
        responses: dict[str, Any] = {
            str(e.status): {
                "description": STATUS_TEXT[e.status],
                "content": {"application/json": {"schema": success}},
            }
        }
        for code in _error_statuses(e):
            responses[str(code)] = {
                "description": STATUS_TEXT[code],
                "content": {"application/json": {"schema": error_ref}},
            }
        operation: dict[str, Any] = {
            "operationId": e.name,
            "summary": e.summary,
            "tags": [e.tag],
            "parameters": _parameters(e, defs, refs),
            "responses": responses,
        }
        if e.description:
            operation["description"] = e.description
        if e.permission:
            operation["x-permission"] = e.permission
        if e.public:
            operation["security"] = []
        elif e.method != "get":
            operation["security"] = [{"bearerAuth": []}]
        if e.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(e.body, "validation")]}},
            }
        paths.setdefault(f"/api/v1{e.path}", {})[e.method] = operation

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tiếp công dân, giải quyết đơn thư: API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "tags": TAGS,
        "paths": paths,
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Mã truy cập API do quản trị cấp",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Phiên đăng nhập trình duyệt: chỉ đọc",
                },
            },
        },
    }


@functools.cache
def document() -> dict[str, Any]:
    return build()


@endpoint(
    "GET",
    "/openapi.json",
    summary="Tài liệu OpenAPI 3.1 của API này",
    tag="Tài liệu",
    public=True,
)
def openapi_document(caller, query, body):
    return jsonify(document())
