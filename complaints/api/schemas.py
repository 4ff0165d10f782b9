"""The shapes of the API: what each endpoint accepts (validated here) and what it answers.

One definition per shape, read twice: the endpoints validate requests with these models, and
the OpenAPI document (api/openapi.py) is generated from their JSON Schema. Requests are
strict: unknown fields, wrong types, impossible dates and values outside an enum are refused
before any operation runs. Lengths follow the columns, so no value the database would refuse
gets that far. The business rules stay in the operations.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from complaints.cases.models import (
    CaseState,
    Complexity,
    ComplexityCriterion,
    Outcome,
    TerminationReason,
)
from complaints.core.access import Role
from complaints.core.vocab import Field as PetitionField
from complaints.core.vocab import PetitionKind
from complaints.petitions.models import (
    IneligibleReason,
    PetitionSource,
    PetitionStatus,
    ProcessingOutcome,
)
from complaints.reception.models import (
    HostMode,
    Medium,
    RefusalGround,
    SessionKind,
    SessionStatus,
    VisitOutcome,
)
from complaints.reports.figures import RATE_BASES, RATE_KINDS, ROUNDING_MODES
from complaints.reports.periods import PERIOD_KINDS
from complaints.units.models import UnitLevel

MAX_ID = 2**31 - 1  # INTEGER keys: a larger id cannot exist (PostgreSQL would refuse it)
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters

# Every enum the API speaks, so the document can list each value with its Vietnamese label.
ENUMS = (
    UnitLevel,
    SessionKind,
    HostMode,
    Medium,
    SessionStatus,
    VisitOutcome,
    RefusalGround,
    PetitionKind,
    PetitionField,
    PetitionSource,
    PetitionStatus,
    ProcessingOutcome,
    IneligibleReason,
    CaseState,
    Complexity,
    ComplexityCriterion,
    Outcome,
    TerminationReason,
    Role,
)


def Text(max_length: int, **kw) -> Any:
    """A string of at most max_length characters (the column's size), without NUL."""
    return Annotated[str, Field(max_length=max_length, pattern=NO_NUL, **kw)]


def _sane_date(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "Ngày phải trong khoảng 01/01/1900 đến 31/12/2100.")
    return value


def _query_date(value: Any) -> date:
    """A query date is exactly YYYY-MM-DD (no timestamps, no other spellings)."""
    if isinstance(value, date):
        return _sane_date(value)
    if not isinstance(value, str) or len(value) != 10:
        raise PydanticCustomError("date_parsing", "Ngày không hợp lệ.")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_parsing", "Ngày không hợp lệ.") from None
    return _sane_date(parsed)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_ID,
        description="Phiên bản của bản ghi khi bạn đọc nó (trường `version`); bản ghi đã bị "
        "người khác sửa thì yêu cầu bị từ chối với mã 409.",
    ),
]
ApiDate = Annotated[date, AfterValidator(_sane_date)]
QueryDate = Annotated[
    date, PlainValidator(_query_date), WithJsonSchema({"type": "string", "format": "date"})
]
UnitCode = Annotated[
    str, Field(min_length=1, max_length=20, pattern=NO_NUL, description="Mã đơn vị, ví dụ HP")
]
Money = Annotated[int, Field(ge=0, lt=10**18, description="Số tiền (đồng)")]
Area = Annotated[
    Decimal, Field(ge=0, lt=10**13, decimal_places=1, description="Diện tích (m²), 1 số lẻ")
]


class Strict(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query-string parameters: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An answer."""

    model_config = ConfigDict(populate_by_name=True)


# --- errors and pages ---------------------------------------------------------------------


class ErrorDetail(Out):
    field: str | None = Field(description="Trường hoặc tham số có lỗi (null: cả yêu cầu)")
    message: str


class ErrorBody(Out):
    code: int
    message: str = Field(description="Thông báo lỗi bằng tiếng Việt")
    details: list[ErrorDetail] | None = None


class Error(Out):
    error: ErrorBody


class PageQuery(Query):
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="Trang, bắt đầu từ 1")
    per_page: int = Field(
        default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Số bản ghi mỗi trang"
    )


T = TypeVar("T")


class Page(Out, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int = Field(
        description="Tổng số bản ghi khớp bộ lọc (đếm bằng SQL); khi total_exact là false: có "
        "hơn total bản ghi (danh sách dài: sổ đơn, vụ việc, buổi tiếp, kết quả tìm kiếm chỉ "
        "đếm đến một mức, như các trang web)"
    )
    total_exact: bool = Field(description="total là số đầy đủ (true) hay còn nhiều hơn (false)")
    pages: int = Field(description="Số trang theo total (khi total_exact là false: còn nhiều hơn)")
    has_next: bool = Field(
        description="Còn trang sau không: đọc tiếp đến khi has_next là false, kể cả quá số trang",
    )


# --- who is calling -----------------------------------------------------------------------


class MeOut(Out):
    id: int
    username: str
    full_name: str
    unit_id: int
    unit: str
    roles: list[Role]
    permissions: list[str]
    can_see_denouncer: bool
    auth: Literal["token", "session"]
    token_prefix: str | None = None


# --- units --------------------------------------------------------------------------------


class UnitQuery(PageQuery):
    level: UnitLevel | None = None


class UnitOut(Out):
    id: int
    code: str
    name: str
    level: UnitLevel
    parent_id: int | None
    active_from: date | None
    active_to: date | None


# --- reception ----------------------------------------------------------------------------


class SessionQuery(PageQuery):
    unit: UnitCode | None = Field(default=None, description="Mã đơn vị (gồm cả đơn vị cấp dưới)")
    only_unit: bool = Field(default=False, description="Chỉ riêng đơn vị `unit`")
    from_: QueryDate | None = Field(default=None, alias="from", description="Từ ngày")
    to: QueryDate | None = Field(default=None, description="Đến ngày")
    kind: SessionKind | None = None
    status: SessionStatus | None = None


class SessionIn(Strict):
    unit: UnitCode
    kind: SessionKind
    session_date: ApiDate
    place: Text(255)
    host_name: Text(120) = Field(
        default="", description="Khi không chọn host_leader_id (đơn vị chưa ghi lãnh đạo)"
    )
    host_title: Text(120) = ""
    host_mode: HostMode | None = None
    host_leader_id: Id | None = Field(
        default=None,
        description="Lãnh đạo của đơn vị chủ trì buổi tiếp định kỳ, đột xuất (người đứng đầu "
        "khi in_person, cấp phó khi delegated); họ tên, chức vụ lấy theo danh sách lãnh đạo",
    )
    medium: Medium = Medium.onsite
    status: SessionStatus = SessionStatus.planned
    status_reason: Text(2000) = ""
    postponed_to: ApiDate | None = None
    published_on: ApiDate | None = None
    conclusion: Text(20000) = ""


class SessionOut(Out):
    id: int
    unit_id: int
    unit: str
    kind: SessionKind
    session_date: date
    place: str
    host_mode: HostMode | None
    host_leader_id: int | None
    host_name: str
    host_title: str
    medium: Medium
    status: SessionStatus
    status_reason: str
    postponed_to: date | None
    published_on: date | None
    conclusion: str
    visit_count: int
    version: int
    created_at: datetime


class PersonIn(Strict):
    full_name: Text(120)
    address: Text(255) = ""
    identity_no: Text(40) = Field(default="", description="CCCD, số định danh hoặc hộ chiếu")
    phone: Text(30) = ""
    is_representative: bool = False


class VisitIn(Strict):
    kind: PetitionKind
    content: Text(20000)
    outcome: VisitOutcome
    persons: list[PersonIn] = Field(min_length=1, max_length=60)
    people_count: int = Field(default=1, ge=1, le=10_000)
    is_delegation: bool = False
    is_repeat: bool = False
    previous_resolver: Text(255) = ""
    competent: bool | None = None
    outcome_body: Text(255) = ""
    outcome_doc_no: Text(64) = ""
    refusal_ground: RefusalGround | None = None
    refusal_detail: Text(5000) = ""
    documents_received: Text(5000) = ""
    follow_up: Text(5000) = ""
    note: Text(5000) = ""


class PersonOut(Out):
    """A person received; name, address, papers and phone are null when protected."""

    full_name: str | None
    address: str | None
    identity_no: str | None
    phone: str | None
    is_representative: bool


class VisitOut(Out):
    id: int
    session_id: int
    unit_id: int
    unit: str
    visit_date: date
    kind: PetitionKind
    content: str
    people_count: int
    is_delegation: bool
    is_repeat: bool
    previous_resolver: str
    competent: bool | None
    outcome: VisitOutcome
    outcome_body: str
    outcome_doc_no: str
    refusal_ground: RefusalGround | None
    refusal_detail: str
    documents_received: str
    follow_up: str
    note: str
    identity_redacted: bool = Field(
        description="true: người được tiếp là người tố cáo, thông tin nhân thân được bảo mật"
    )
    persons: list[PersonOut]
    version: int
    created_at: datetime


# --- petitions ----------------------------------------------------------------------------


class PetitionQuery(PageQuery):
    unit: UnitCode | None = Field(default=None, description="Mã đơn vị (gồm cả đơn vị cấp dưới)")
    kind: PetitionKind | None = None
    field: PetitionField | None = None
    source: PetitionSource | None = None
    status: PetitionStatus | None = None
    from_: QueryDate | None = Field(default=None, alias="from", description="Nhận từ ngày")
    to: QueryDate | None = Field(default=None, description="Nhận đến ngày")
    q: Text(200) | None = Field(
        default=None,
        description="Tìm không dấu theo số vào sổ, nội dung, người gửi (người tố cáo chỉ với "
        "vai trò được xem)",
    )


class SenderIn(Strict):
    full_name: Text(120) = ""
    address: Text(255) = ""
    identity_no: Text(40) = ""
    phone: Text(20) = ""


class PetitionIn(Strict):
    unit: UnitCode
    received_date: ApiDate
    source: PetitionSource
    kind: PetitionKind
    field: PetitionField
    summary: Text(10_000)
    signatory_count: int = Field(default=1, ge=1, le=100_000)
    anonymous: bool = False
    senders: list[SenderIn] = Field(default_factory=list, max_length=100)
    source_body: Text(255) = ""
    source_doc_no: Text(64) = ""
    visit_id: Id | None = Field(default=None, description="Lượt tiếp nhận đơn (nguồn: reception)")
    register_no: Text(40) = Field(default="", description="Chỉ khi chép lại từ sổ giấy")


class SenderOut(Out):
    full_name: str | None
    address: str | None
    identity_no: str | None
    phone: str | None


class UrgingOut(Out):
    urged_on: date
    answer_due: date
    doc_no: str


class TransferOut(Out):
    """A hand-off inside the system (README "Who receives, who is competent, who verifies")."""

    direction: Literal["sent", "received"] = Field(
        description="sent: đơn này được chuyển (đôn đốc) đến đơn vị khác trong hệ thống; "
        "received: đơn này do đơn vị trong hệ thống chuyển đến"
    )
    from_register_no: str = Field(description="Số vào sổ của đơn ở đơn vị chuyển")
    from_unit: str
    to_register_no: str = Field(description="Số vào sổ của đơn ở đơn vị nhận")
    to_unit: str
    to_status: PetitionStatus
    to_outcome: ProcessingOutcome | None
    sent_on: date
    doc_no: str
    answer_due: date = Field(description="Hạn báo cáo kết quả (đôn đốc dời hạn)")
    result_text: str
    result_doc_no: str
    result_on: date | None
    urgings: list[UrgingOut]


class PetitionOut(Out):
    id: int
    register_no: str
    unit_id: int
    unit: str = Field(description="Đơn vị vào sổ (tiếp nhận)")
    processing_unit: str = Field(description="Đơn vị xử lý đơn tiếp nhận tại đơn vị vào sổ")
    received_date: date
    source: PetitionSource
    source_body: str
    source_doc_no: str
    visit_id: int | None
    kind: PetitionKind
    field: PetitionField
    summary: str
    signatory_count: int
    anonymous: bool
    status: PetitionStatus
    eligible: bool | None
    ineligible_reasons: list[IneligibleReason]
    competent: bool | None
    outcome: ProcessingOutcome | None
    outcome_body: str
    outcome_doc_no: str
    outcome_date: date | None
    processing_note: str
    case_id: int | None
    transfer: TransferOut | None = Field(
        description="Chuyển đơn trong hệ thống: đơn chuyển đi hoặc đơn được chuyển đến"
    )
    identity_redacted: bool = Field(
        description="true: đơn tố cáo, thông tin người gửi được bảo mật với người gọi này"
    )
    senders: list[SenderOut]
    version: int
    created_at: datetime


class ProcessingIn(Strict):
    version: Version
    eligible: bool
    competent: bool
    outcome: ProcessingOutcome
    on: ApiDate
    reasons: list[IneligibleReason] = Field(default_factory=list, max_length=20)
    doc_no: Text(64) = ""
    body: Text(255) = ""
    note: Text(5000) = ""
    join_case_id: Id | None = Field(default=None, description="Thụ lý: nhập đơn vào vụ việc này")
    join_case_no: Text(40) | None = Field(default=None, description="Hoặc theo số vụ việc")
    case_title: Text(255) = ""
    authority: UnitCode | None = Field(
        default=None,
        description="Thụ lý: mã cơ quan có thẩm quyền giải quyết (mặc định: cơ quan mà đơn vị "
        "vào sổ tham mưu, hoặc chính đơn vị)",
    )
    authority_ground: Text(2000) = Field(
        default="", description="Căn cứ xác định thẩm quyền, bắt buộc khi khác mặc định"
    )
    target_unit: UnitCode | None = Field(
        default=None,
        description="Chuyển đơn, đôn đốc: mã đơn vị nhận trong hệ thống (đơn vào sổ của đơn vị "
        "đó); để trống: cơ quan ngoài hệ thống ghi ở body",
    )
    answer_due: ApiDate | None = Field(
        default=None, description="Hạn báo cáo kết quả của đơn vị nhận (mặc định theo cấu hình)"
    )


# --- cases --------------------------------------------------------------------------------

ASSIGNEE_FILTER = r"^(none|[1-9][0-9]{0,9})$"


class CaseQuery(PageQuery):
    unit: UnitCode | None = Field(default=None, description="Mã đơn vị (gồm cả đơn vị cấp dưới)")
    kind: PetitionKind | None = None
    field: PetitionField | None = None
    state: CaseState | None = None
    open: bool | None = Field(default=None, description="true: chưa kết thúc; false: đã kết thúc")
    assignee: Annotated[str, Field(pattern=ASSIGNEE_FILTER)] | None = Field(
        default=None, description="Mã người được giao, hoặc `none`: chưa giao"
    )
    overdue: bool | None = Field(default=None, description="true: có thời hạn đã quá")
    q: Text(200) | None = Field(default=None, description="Tìm không dấu theo số, tên, nội dung")


class DeadlineOut(Out):
    step: str
    label: str
    start: date
    due: date
    days: int
    day_type: str
    rule: str
    basis: str
    towards_citizen: bool
    active: bool
    met_on: date | None


class CaseOut(Out):
    id: int
    case_no: str
    unit_id: int
    unit: str = Field(description="Cơ quan có thẩm quyền giải quyết (báo cáo tính cho cơ quan này)")
    received_unit_id: int | None
    received_unit: str | None = Field(description="Đơn vị tiếp nhận đơn đầu tiên (theo dõi)")
    authority_ground: str = Field(
        description="Căn cứ xác định thẩm quyền, khi khác cơ quan mặc định"
    )
    kind: PetitionKind
    round: int
    field: PetitionField
    title: str
    summary: str
    state: CaseState
    received_on: date
    accepted_on: date | None
    accept_doc_no: str
    assigned_unit_id: int | None
    assigned_unit: str | None
    assignee_id: int | None
    assignee: str | None
    complexity: Complexity
    complexity_criteria: list[ComplexityCriterion]
    remote_area: bool
    extensions: int
    suspended_on: date | None
    resumed_on: date | None
    suspended_days: int
    outcome: Outcome | None
    decided_on: date | None
    decision_no: str
    decision_summary: str
    sent_on: date | None
    published_on: date | None
    closed_on: date | None
    termination_reason: TerminationReason | None
    withdrawn_contents: list[str]
    money_to_recover: str
    money_to_return: str
    land_to_recover_m2: str
    land_to_return_m2: str
    people_to_discipline: int
    money_recovered: str
    land_recovered_m2: str
    parent_case_id: int | None
    merged_into_id: int | None
    next_due: date | None = Field(description="Thời hạn gần nhất đơn vị phải thực hiện")
    overdue: bool
    allowed_actions: list[str] = Field(description="Các thao tác quy trình được phép lúc này")
    version: int


class CaseDetailOut(CaseOut):
    deadlines: list[DeadlineOut]
    petition_ids: list[int]


class EventOut(Out):
    id: int
    case_id: int
    action: str
    label: str
    from_state: str | None
    to_state: str | None
    occurred_on: date
    doc_type: str
    doc_no: str
    note: str
    data: dict[str, Any]
    actor_id: int | None
    actor: str | None
    recorded_at: datetime


class StepIn(Strict):
    """A workflow step. Besides version and on, send only the fields the action uses
    (see the action's description); the others are refused."""

    version: Version
    on: ApiDate
    doc_no: Text(64) = ""
    doc_type: Text(80) = ""
    note: Text(10_000) = ""
    outcome: Outcome | None = None
    reason: TerminationReason | None = None
    body: Text(255) = ""
    contents: Text(5000) = Field(default="", description="Nội dung được rút, mỗi dòng một nội dung")
    money_to_recover: Money | None = None
    money_to_return: Money | None = None
    land_to_recover_m2: Area | None = None
    land_to_return_m2: Area | None = None
    people_to_discipline: int | None = Field(default=None, ge=0, le=100_000)
    money_recovered: Money | None = None
    land_recovered_m2: Area | None = None
    round2_unit: UnitCode | None = Field(
        default=None, description="Khiếu nại lần hai: mở vụ việc lần hai tại đơn vị này"
    )


class AssignmentIn(Strict):
    version: Version
    unit: UnitCode
    assignee_id: Id | None = None
    on: ApiDate
    note: Text(2000) = ""
    verifier_summary: Text(10000) | None = Field(
        default=None,
        description="Vụ việc tố cáo: nội dung giao người xác minh, đã lược bỏ thông tin người "
        "tố cáo (mọi họ tên, số giấy tờ, điện thoại, địa chỉ đã biết còn sót lại được che).",
    )


# --- reports (the existing endpoint) --------------------------------------------------------


FLAGS = ["0", "1", "false", "true", "no", "yes", "off", "on"]


class ReportQuery(Query):
    """Parameters of GET /reports/{form}; the endpoint checks their combinations."""

    unit: Annotated[str, Field(min_length=1, pattern=NO_NUL, description="Mã đơn vị")]
    from_: QueryDate | None = Field(default=None, alias="from")
    to: QueryDate | None = None
    period: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Kỳ báo cáo chuẩn (dùng với year, month)",
        json_schema_extra={"enum": list(PERIOD_KINDS)},
    )
    year: int | None = Field(default=None, ge=0, le=9999)
    month: int | None = Field(default=None, ge=0, le=9999)
    with_subunits: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None, description="1: gồm đơn vị cấp dưới", json_schema_extra={"enum": FLAGS}
    )
    live: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="1: số liệu hiện tại dù kỳ đã chốt",
        json_schema_extra={"enum": FLAGS},
    )
    basis: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Cơ sở tính tỷ lệ: cases (vụ việc) hoặc petitions (đơn); mặc định theo "
        "thiết lập của đơn vị",
        json_schema_extra={"enum": list(RATE_BASES)},
    )
    kinds: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Loại việc của tỷ lệ: both, complaint, denunciation, each (từng loại riêng)",
        json_schema_extra={"enum": list(RATE_KINDS)},
    )
    rounding: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Làm tròn tỷ lệ: half_up (nửa lên) hoặc truncate (bỏ phần sau), 0-2 chữ số",
        json_schema_extra={"enum": list(ROUNDING_MODES)},
    )
    rounding_complaint: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Làm tròn riêng tỷ lệ khiếu nại (chỉ với kinds=each)",
        json_schema_extra={"enum": list(ROUNDING_MODES)},
    )
    rounding_denunciation: Annotated[str, Field(pattern=NO_NUL)] | None = Field(
        default=None,
        description="Làm tròn riêng tỷ lệ tố cáo (chỉ với kinds=each)",
        json_schema_extra={"enum": list(ROUNDING_MODES)},
    )


class ReportOut(Out):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    form: str
    unit: str
    from_: date = Field(alias="from")
    to: date
    with_subunits: bool
    figures: dict[str, Any] = Field(description="Chỉ tiêu theo mã định danh (DOMAIN §9)")
    live: bool
    closed: dict[str, Any] | None = Field(
        description="Kỳ đã khóa số liệu: at, by, before_end (khóa trước khi hết kỳ), reason"
    )
    reopened: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Các lần mở khóa số liệu: closed_at, closed_by, closed_before_end, "
        "closed_reason, at, by, reason",
    )
    convention: dict[str, Any] = Field(
        description="Quy ước đã dùng: basis, kinds, rounding (và rounding_complaint, "
        "rounding_denunciation nếu có), text: câu ghi trên báo cáo"
    )
    by_kind: dict[str, Any] | None = Field(
        default=None,
        description="Với kinds=each (báo cáo tóm tắt): số liệu và tỷ lệ của từng loại",
    )
