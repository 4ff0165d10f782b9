"""What every endpoint of /api/v1 shares: the blueprint, JSON errors, who is calling, request
validation, pagination, and the registry the OpenAPI document is generated from.

Every answer is JSON, errors included: {"error": {"code", "message", "details"?}} with a
Vietnamese message. Callers are identified in one place, `authenticate()`:
- `Authorization: Bearer <token>`: an API token acting with its user's roles and unit;
- otherwise the session cookie of a logged-in user, for reading only: CSRF is not checked
  under /api, so a cookie must never be enough to change anything.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, g, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from complaints.api import schemas as S
from complaints.api import tokens
from complaints.core import clock
from complaints.core.access import has_permission, in_scope, load_scoped
from complaints.core.errors import OperationError
from complaints.extensions import csrf, db
from complaints.units.models import Unit
from complaints.web.helpers import counted_page

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie-authenticated write exists under /api (see authenticate)

WWW_AUTHENTICATE = 'Bearer realm="complaints-api"'
NOT_LOGGED_IN = (
    "Chưa đăng nhập: hãy gửi mã truy cập (Authorization: Bearer <mã>) hoặc đăng nhập trước "
    "khi gọi API."
)
COOKIE_WRITE = (
    "Ghi dữ liệu qua API phải dùng mã truy cập (Authorization: Bearer <mã>); phiên đăng nhập "
    "của trình duyệt chỉ được đọc."
)
BAD_HEADER = "Tiêu đề Authorization phải có dạng: Bearer <mã truy cập>."

# What each permission lets one do, for the 403 message.
PERMISSION_WORDS = {
    "reception.view": "xem sổ tiếp công dân",
    "reception.edit": "ghi sổ tiếp công dân",
    "petition.view": "xem sổ đơn",
    "petition.register": "vào sổ đơn",
    "petition.process": "xử lý đơn",
    "case.view": "xem vụ việc",
    "case.work": "giải quyết vụ việc",
    "case.assign": "giao xử lý vụ việc",
    "report.view": "xem báo cáo",
}


class ApiError(Exception):
    """An answer other than 2xx, with its Vietnamese message (and field errors, if any)."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict] | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_json(status: int, message: str, details: list[dict] | None = None) -> dict:
    body: dict[str, Any] = {"code": status, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    db.session.rollback()
    if e.status == 401:
        e.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return jsonify(error_json(e.status, e.message, e.details)), e.status, e.headers


def refusal(e: OperationError) -> ApiError:
    """An operation's refusal as the API answers it: 409 for a lost update, else 422, with
    every (field, message) pair; the request's changes are rolled back by the error handler."""
    status = 409 if e.stale else 422
    if len(e.errors) == 1:
        return field_error(status, e.errors[0][0] or e.field, e.errors[0][1] or str(e))
    return ApiError(status, str(e), [{"field": f, "message": m} for f, m in e.errors])


def field_error(status: int, field_name: str | None, message: str) -> ApiError:
    """An error about one field, shaped like the validation errors."""
    where = f"{field_name}: " if field_name else ""
    return ApiError(status, f"{where}{message}", [{"field": field_name, "message": message}])


# --- who is calling -------------------------------------------------------------------------


def _bearer(header: str) -> str:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, BAD_HEADER)
    return secret.strip()


def authenticate(*, write: bool):
    """The calling user, from a bearer token or (reads only) the session cookie; else 401."""
    header = request.headers.get("Authorization")
    if header is not None:
        found = tokens.find_token(_bearer(header), clock.today())
        if isinstance(found, tokens.Refusal):
            raise ApiError(401, found.message)
        token_id, prefix = found.id, found.prefix
        if tokens.needs_touch(found):
            tokens.touch(token_id)
            found = db.session.get(type(found), token_id)
        user = found.user
        g._login_user = user  # Flask-Login's current_user is the token's user for this request
        g.api_auth, g.api_token_prefix = "token", prefix
        return user
    if current_user.is_authenticated:
        if write:
            raise ApiError(401, COOKIE_WRITE)
        g.api_auth, g.api_token_prefix = "session", None
        return current_user._get_current_object()
    raise ApiError(401, NOT_LOGGED_IN)


def require_permission(caller, permission: str) -> None:
    if not has_permission(caller, permission):
        words = PERMISSION_WORDS.get(permission, "thực hiện thao tác này")
        raise ApiError(403, f"Bạn không có quyền {words}.")


# --- validation -----------------------------------------------------------------------------


def _loc(loc: tuple, where: str) -> str | None:
    parts = [str(p) for p in loc]
    if where == "query":
        parts = [p.rstrip("_") for p in parts]  # from_ is the parameter "from"
    return ".".join(parts) or None


def _pydantic_message(err: dict, where: str) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    name = _loc(err["loc"], where) or ""
    if kind == "missing":
        return f"Thiếu tham số {name}." if where == "query" else "Thiếu trường bắt buộc."
    if kind == "extra_forbidden":
        return (
            f"Tham số không được hỗ trợ: {name}." if where == "query" else "Trường không được phép."
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"Tham số {name} phải là số nguyên." if where == "query" else "Phải là số nguyên."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {
            "greater_than_equal": ("ge", "lớn hơn hoặc bằng"),
            "less_than_equal": ("le", "nhỏ hơn hoặc bằng"),
            "greater_than": ("gt", "lớn hơn"),
            "less_than": ("lt", "nhỏ hơn"),
        }[kind]
        prefix = f"Tham số {name} (số nguyên) p" if where == "query" else "P"
        return f"{prefix}hải {bound[1]} {ctx.get(bound[0])}."
    if kind in ("bool_type", "bool_parsing"):
        return "Phải là true hoặc false."
    if kind.startswith("date") or kind == "datetime_type":
        if kind == "date_range":
            return str(err["msg"])
        return "Ngày không hợp lệ (dạng YYYY-MM-DD, ví dụ 2026-03-02)."
    if kind in ("enum", "literal_error"):
        return f"Giá trị không hợp lệ; chọn một trong: {ctx.get('expected', '')}."
    if kind == "string_type":
        return "Phải là chuỗi ký tự."
    if kind == "string_too_long":
        return f"Tối đa {ctx.get('max_length')} ký tự."
    if kind == "string_too_short":
        return "Không được để trống."
    if kind == "string_pattern_mismatch":
        return "Giá trị không đúng dạng (không được chứa ký tự NUL)."
    if kind in ("list_type", "tuple_type", "set_type"):
        return "Phải là một danh sách."
    if kind == "too_long":
        return f"Tối đa {ctx.get('max_length')} phần tử."
    if kind == "too_short":
        return f"Cần ít nhất {ctx.get('min_length')} phần tử."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "Phải là một đối tượng JSON."
    if kind == "decimal_max_places":
        return f"Tối đa {ctx.get('decimal_places')} chữ số sau dấu thập phân."
    if kind.startswith("decimal") or kind in ("float_type", "float_parsing", "finite_number"):
        return "Phải là một số."
    if kind == "none_required":
        return "Phải để trống (null)."
    return "Giá trị không hợp lệ."


def validation_error(e: ValidationError, status: int, where: str) -> ApiError:
    details = [
        {"field": _loc(err["loc"], where), "message": _pydantic_message(err, where)}
        for err in e.errors(include_url=False)
    ]
    first = details[0]
    message = first["message"]
    if first["field"] and where != "query":
        message = f"{first['field']}: {message}"
    if len(details) > 1:
        message += f" (và {len(details) - 1} lỗi khác)"
    return ApiError(status, message, details)


def parse_query(model: type[BaseModel] | None):
    """The query string validated by its model (400 on any error or unknown parameter)."""
    args = request.args
    for key in args:
        if len(args.getlist(key)) > 1:
            raise ApiError(400, f"Tham số {key} chỉ được truyền một lần.")
    if model is None:
        if args:
            raise ApiError(400, f"Tham số không được hỗ trợ: {', '.join(sorted(args))}.")
        return None
    try:
        return model.model_validate(args.to_dict())
    except ValidationError as e:
        raise validation_error(e, 400, "query") from None


def parse_body(model: type[BaseModel]):
    """The JSON body validated strictly by its model (400 malformed, 422 invalid)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Nội dung gửi lên phải là JSON (Content-Type: application/json).")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "Thiếu nội dung JSON của yêu cầu.")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as e:
        if any(err["type"] == "json_invalid" for err in e.errors()):
            raise ApiError(400, "Nội dung gửi lên không phải JSON hợp lệ.") from None
        raise validation_error(e, 422, "body") from None


# --- the endpoint registry ------------------------------------------------------------------


@dataclass
class Endpoint:
    method: str
    path: str  # OpenAPI form: /cases/{case_id}
    name: str
    summary: str
    tag: str
    response: type[BaseModel] | None
    status: int
    permission: str | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    description: str = ""
    public: bool = False
    path_params: dict[str, dict] = field(default_factory=dict)


ENDPOINTS: list[Endpoint] = []
_PARAM = re.compile(r"{(\w+)}")


def _path_schema(name: str, enums: dict[str, list[str]]) -> dict:
    if name in enums:
        return {"type": "string", "enum": enums[name]}
    return {"type": "integer", "minimum": 1, "maximum": S.MAX_ID}


def endpoint(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None = None,
    status: int = 200,
    permission: str | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    description: str = "",
    public: bool = False,
    path_enums: dict[str, list[str]] | None = None,
):
    """Register an API view: authentication, permission, query and body validation happen
    here, from the same models the OpenAPI document describes. The view receives `caller`,
    `query`, `body` and the path parameters, and returns a model (sent with `status`) or a
    Response."""
    enums = path_enums or {}
    names = _PARAM.findall(path)
    flask_path = _PARAM.sub(lambda m: f"<{m[1]}>" if m[1] in enums else f"<int:{m[1]}>", path)
    write = method != "GET"

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(**kwargs):
            caller = None
            if not public:
                caller = authenticate(write=write)
                if permission:
                    require_permission(caller, permission)
            for name in names:
                if name not in enums and kwargs[name] > S.MAX_ID:
                    raise ApiError(404, "Không tìm thấy bản ghi.")
            parsed_query = parse_query(query)
            parsed_body = parse_body(body) if body is not None else None
            try:
                result = view(caller=caller, query=parsed_query, body=parsed_body, **kwargs)
            except OperationError as e:
                raise refusal(e) from None
            if isinstance(result, Response):
                return result
            return jsonify(dump(result)), status

        bp.add_url_rule(flask_path, endpoint=view.__name__, view_func=wrapped, methods=[method])
        ENDPOINTS.append(
            Endpoint(
                method=method.lower(),
                path=path,
                name=view.__name__,
                summary=summary,
                tag=tag,
                response=response,
                status=status,
                permission=permission,
                query=query,
                body=body,
                errors=errors,
                description=description,
                public=public,
                path_params={n: _path_schema(n, enums) for n in names},
            )
        )
        return wrapped

    return decorator


def dump(result) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True)
    return result


# --- reading helpers ------------------------------------------------------------------------


def page_of(
    select: sa.Select, query: S.PageQuery, convert: Callable, counted: str | None = None
) -> tuple[S.Page, list]:
    """One page of a query, its rows converted; also the raw rows. Its total counted by SQL:
    exactly, or for a long list (`counted`: "register", "search") as the pages count it
    (web.helpers.counted_page), any page served and `has_next` exact."""
    if counted is None:
        page = db.paginate(select, page=query.page, per_page=query.per_page, error_out=False)
        exact, more = True, page.has_next
    else:
        page = counted_page(select, counted, query.page, query.per_page, past_cap=True)
        exact, more = not page.capped, page.more
    rows = list(page.items)
    return (
        S.Page[Any](
            items=[convert(r) for r in rows],
            page=query.page,
            per_page=query.per_page,
            total=page.total or 0,
            total_exact=exact,
            pages=page.pages,
            has_next=more,
        ),
        rows,
    )


def load(model, object_id: int, caller, *, acting: bool = False):
    """A record of the caller's units, or 404 (never revealing another unit's record);
    `acting`: 403 for a unit that only follows it (the unit that received a case)."""
    from werkzeug.exceptions import Forbidden, NotFound

    try:
        return load_scoped(model, object_id, caller, acting=acting)
    except Forbidden:
        raise ApiError(
            403, "Đơn vị của bạn chỉ theo dõi bản ghi này, không thực hiện thao tác."
        ) from None
    except NotFound:
        raise ApiError(
            404, "Không tìm thấy bản ghi (hoặc bản ghi không thuộc đơn vị của bạn)."
        ) from None


def scoped_unit(code: str, caller, field_name: str = "unit", status: int = 400) -> Unit:
    """The unit with this code among the caller's units; the same refusal whether it does not
    exist or lies outside the caller's scope."""
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code, in_scope(caller, Unit.id)))
    if unit is None:
        raise field_error(status, field_name, f"Không có đơn vị mã {code} trong phạm vi của bạn.")
    return unit


def subtree_clause(column, unit: Unit, only_unit: bool = False):
    if only_unit:
        return column == unit.id
    return column.in_(unit.subtree_ids())
