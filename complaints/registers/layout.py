"""The column layouts of the two registers (docs/register-format.md) and how their cells are
read and written: Vietnamese labels for every coded value, yes/no, dates written four ways.

One table per register serves the export (headers, order), the import (header matching,
required columns) and the documentation page, so the three never disagree.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from complaints.cases.models import CaseState, Outcome, TerminationReason
from complaints.core.text import fold
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions.models import IneligibleReason, PetitionSource, ProcessingOutcome
from complaints.reception.models import RefusalGround, SessionKind
from complaints.registers.models import RegisterKind


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as exported; matched without diacritics, case or punctuation
    meaning: str
    values: str = ""  # accepted values, for the documentation and the mapping page
    synonyms: tuple[str, ...] = ()
    required: bool = False


_DATE = "Ngày: dd/mm/yyyy, d/m/yy, yyyy-mm-dd hoặc ô ngày của Excel."
_YES_NO = "Có / Không (để trống: chưa xác định)."
_LINES = "Nhiều người gửi: mỗi người một dòng trong ô (Alt+Enter), cùng thứ tự ở các cột người gửi."

PETITION_COLUMNS: tuple[Column, ...] = (
    Column(
        "unit_code",
        "Mã đơn vị",
        "Đơn vị vào sổ (mã như trong trang Đơn vị)",
        "Bỏ trống khi chọn đơn vị khi nhập (--unit).",
        ("Đơn vị", "Mã ĐV", "Mã cơ quan"),
    ),
    Column(
        "unit_name", "Tên đơn vị", "Tên đơn vị, dùng khi tạo đơn vị chưa có", "", ("Tên cơ quan",)
    ),
    Column(
        "register_no",
        "Số vào sổ",
        "Số vào sổ đơn thật của đơn vị, giữ nguyên khi nhập",
        "HP-2025-00042 (mã đơn vị-năm-số) hoặc chỉ số thứ tự 42 (hoặc 42/2025).",
        ("Số đơn", "Số vào sổ đơn", "Số thứ tự vào sổ", "Số sổ"),
        True,
    ),
    Column(
        "received_date",
        "Ngày nhận đơn",
        "Ngày đơn vị nhận đơn",
        _DATE,
        ("Ngày nhận", "Ngày tiếp nhận", "Ngày vào sổ", "Ngày nhận đơn thư"),
        True,
    ),
    Column(
        "source",
        "Nguồn đơn",
        "Đơn đến từ đâu",
        "Xem bảng giá trị “Nguồn đơn”.",
        ("Nguồn", "Nguồn tiếp nhận", "Nguồn đơn thư"),
        True,
    ),
    Column(
        "source_body",
        "Cơ quan chuyển đơn",
        "Cơ quan, tổ chức, lãnh đạo đã chuyển đơn đến (bắt buộc với đơn được chuyển đến)",
        "",
        ("Cơ quan, tổ chức chuyển đơn", "Nơi chuyển đơn", "Cơ quan chuyển đến"),
    ),
    Column(
        "source_doc_no",
        "Số văn bản chuyển đơn",
        "Số công văn, phiếu chuyển (bắt buộc với đơn được chuyển đến)",
        "",
        ("Số phiếu chuyển", "Số công văn chuyển", "Số văn bản chuyển"),
    ),
    Column(
        "forwarded_from",
        "Số đơn của đơn vị chuyển",
        "Đơn do đơn vị trong cùng hệ thống chuyển đến: số vào sổ của đơn ở đơn vị đã chuyển",
        "Số vào sổ đầy đủ (TP-2026-00012) của đơn có trong hệ thống hoặc trong cùng tệp; nguồn "
        "đơn là “Cơ quan, đơn vị trong hệ thống chuyển đến”. Để trống với đơn do cơ quan ngoài "
        "hệ thống chuyển đến.",
        ("Số vào sổ của đơn vị chuyển", "Số đơn đơn vị chuyển"),
    ),
    Column(
        "sender_name",
        "Họ tên người gửi",
        "Người đứng đơn",
        _LINES,
        ("Họ tên", "Họ và tên", "Người gửi", "Người đứng đơn", "Người gửi đơn"),
    ),
    Column(
        "sender_address", "Địa chỉ người gửi", "Địa chỉ của từng người gửi", _LINES, ("Địa chỉ",)
    ),
    Column(
        "sender_identity",
        "Số giấy tờ",
        "Số CCCD, định danh cá nhân hoặc hộ chiếu",
        _LINES,
        ("Số CCCD", "CCCD", "Số CCCD/giấy tờ", "Số định danh", "Số CMND/CCCD", "CMND"),
    ),
    Column(
        "sender_phone",
        "Số điện thoại",
        "Số điện thoại người gửi",
        _LINES,
        ("Điện thoại", "SĐT", "Số ĐT"),
    ),
    Column(
        "signatory_count",
        "Số người ký đơn",
        "Số người cùng ký đơn (từ 5 là đơn đông người)",
        "Số nguyên, để trống là 1 (hoặc số người gửi).",
        ("Số người", "Số người đứng đơn"),
    ),
    Column("anonymous", "Đơn nặc danh", "Đơn không rõ người gửi", _YES_NO, ("Nặc danh",)),
    Column(
        "kind",
        "Loại đơn",
        "Nội dung đơn",
        "Khiếu nại / Tố cáo / Kiến nghị, phản ánh.",
        ("Phân loại đơn", "Loại", "Phân loại"),
        True,
    ),
    Column(
        "field",
        "Lĩnh vực",
        "Lĩnh vực của nội dung đơn",
        "Xem bảng giá trị “Lĩnh vực”.",
        ("Lĩnh vực đơn",),
        True,
    ),
    Column(
        "summary",
        "Tóm tắt nội dung",
        "Nội dung chính của đơn",
        "",
        ("Nội dung", "Nội dung tóm tắt", "Nội dung đơn", "Trích yếu"),
        True,
    ),
    Column(
        "eligible",
        "Đủ điều kiện xử lý",
        "Kết quả phân loại (để trống nếu đơn chưa được xử lý)",
        _YES_NO,
        ("Đủ điều kiện",),
    ),
    Column(
        "ineligible_reasons",
        "Lý do không đủ điều kiện",
        "Bắt buộc khi không đủ điều kiện; nhiều lý do mỗi lý do một dòng",
        "Xem bảng giá trị “Lý do không đủ điều kiện”.",
        ("Lý do",),
    ),
    Column(
        "competent",
        "Thuộc thẩm quyền",
        "Đơn thuộc thẩm quyền giải quyết của đơn vị",
        _YES_NO,
        ("Thẩm quyền",),
    ),
    Column(
        "outcome",
        "Hướng xử lý",
        "Kết quả xử lý đơn (để trống nếu chưa xử lý)",
        "Thụ lý / Chuyển đơn / Hướng dẫn / Trả lại đơn / Lưu đơn / Đôn đốc.",
        ("Kết quả xử lý", "Kết quả xử lý đơn", "Xử lý"),
    ),
    Column(
        "outcome_body",
        "Cơ quan nhận (chuyển, hướng dẫn, đôn đốc)",
        "Cơ quan được chuyển đơn, hướng dẫn đến, trả lại hoặc đôn đốc",
        "",
        ("Cơ quan nhận", "Chuyển đến"),
    ),
    Column(
        "outcome_doc_no",
        "Số văn bản xử lý",
        "Số thông báo thụ lý, phiếu chuyển, văn bản hướng dẫn (bắt buộc khi thụ lý, chuyển)",
        "",
        ("Số văn bản", "Số phiếu xử lý"),
    ),
    Column(
        "outcome_date",
        "Ngày xử lý",
        "Ngày có kết quả xử lý đơn (bắt buộc khi đã xử lý)",
        _DATE,
        ("Ngày xử lý đơn",),
    ),
    Column("processing_note", "Ghi chú xử lý", "Ghi chú của người xử lý", "", ("Ghi chú",)),
    Column(
        "transfer_unit",
        "Chuyển đến đơn vị trong hệ thống",
        "Đơn chuyển (hoặc đôn đốc) cho đơn vị trong cùng hệ thống: mã đơn vị nhận; đơn có số vào "
        "sổ riêng ở đơn vị nhận (dòng của đơn vị nhận ghi “Số đơn của đơn vị chuyển”)",
        "Mã đơn vị, chỉ với hướng xử lý Chuyển đơn hoặc Đôn đốc. Để trống: cơ quan ngoài hệ "
        "thống (chỉ ghi tên ở cột “Cơ quan nhận”).",
        ("Mã đơn vị nhận chuyển", "Đơn vị nhận trong hệ thống"),
    ),
    Column(
        "transfer_answer_due",
        "Hạn báo cáo kết quả",
        "Ngày đơn vị nhận phải báo cáo kết quả cho đơn vị chuyển (hạn của lần đôn đốc cuối)",
        "Ngày, sau ngày xử lý. Để trống: 30 ngày sau ngày chuyển (TRANSFER_ANSWER_DAYS).",
        ("Hạn báo cáo",),
    ),
    Column(
        "transfer_result_on",
        "Ngày báo cáo kết quả",
        "Ngày đơn vị nhận báo cáo kết quả giải quyết, xử lý đơn đã chuyển",
        _DATE,
    ),
    Column(
        "transfer_result_doc_no",
        "Số văn bản báo cáo kết quả",
        "Số văn bản đơn vị nhận báo cáo kết quả",
        "",
        ("Số báo cáo kết quả",),
    ),
    Column(
        "transfer_result",
        "Kết quả đơn vị nhận báo cáo",
        "Kết quả giải quyết, xử lý đơn mà đơn vị nhận báo cáo (cùng với ngày báo cáo)",
        "",
        ("Kết quả báo cáo", "Kết quả đơn vị nhận báo cáo lại"),
    ),
    Column(
        "case_key",
        "Mã vụ việc",
        "Các đơn cùng một vụ việc ghi cùng một mã; chỉ ghi cho đơn thụ lý",
        "Số vụ việc (VV-HP-2025-00012) được giữ làm số vụ việc; mã khác được cấp số mới.",
        ("Số vụ việc", "Vụ việc"),
    ),
    Column(
        "case_round",
        "Lần giải quyết",
        "Khiếu nại lần đầu hay lần hai (tố cáo tiếp: 2)",
        "1 hoặc 2, để trống là 1.",
        ("Lần",),
    ),
    Column(
        "case_authority",
        "Cơ quan có thẩm quyền",
        "Mã đơn vị có thẩm quyền giải quyết vụ việc, trong cùng hệ thống đơn vị",
        "Để trống: cơ quan mà đơn vị vào sổ tiếp nhận, tham mưu (Ban Tiếp công dân, Thanh tra "
        "thành phố: UBND thành phố), hoặc chính đơn vị vào sổ.",
        ("Cơ quan có thẩm quyền giải quyết", "Thẩm quyền giải quyết"),
    ),
    Column(
        "case_received_on",
        "Ngày nhận vụ việc",
        "Ngày nhận đơn đầu tiên của vụ việc, kể cả khi đơn đó không có trong tệp (vụ việc từ năm "
        "trước); để trống: lấy ngày nhận đơn sớm nhất của vụ việc trong tệp",
        _DATE,
        ("Ngày nhận đơn đầu tiên", "Ngày nhận đơn đầu tiên của vụ việc"),
    ),
    Column(
        "accepted_on", "Ngày thụ lý", "Ngày thụ lý giải quyết vụ việc (bắt buộc khi thụ lý)", _DATE
    ),
    Column(
        "case_state",
        "Trạng thái vụ việc",
        "Vụ việc đang ở đâu",
        "Xem bảng giá trị “Trạng thái vụ việc”; để trống là Đã thụ lý.",
        ("Trạng thái", "Tình trạng giải quyết", "Tình trạng"),
    ),
    Column(
        "decided_on",
        "Ngày quyết định, kết luận",
        "Ngày ban hành quyết định giải quyết khiếu nại, kết luận tố cáo hoặc trả lời",
        _DATE,
        ("Ngày ban hành quyết định, kết luận", "Ngày giải quyết", "Ngày quyết định"),
    ),
    Column(
        "decision_no",
        "Số quyết định, kết luận",
        "Số của quyết định, kết luận, văn bản trả lời",
        "",
        ("Số quyết định", "Số kết luận"),
    ),
    Column(
        "case_outcome",
        "Kết quả giải quyết",
        "Đúng / đúng một phần / sai",
        "Đúng / Đúng một phần / Sai (để trống khi chưa giải quyết).",
        ("Kết quả",),
    ),
    Column(
        "sent_on",
        "Ngày gửi quyết định, kết luận",
        "Để trống: lấy ngày quyết định, kết luận",
        _DATE,
        ("Ngày gửi",),
    ),
    Column("suspended_on", "Ngày tạm đình chỉ", "Bắt buộc khi vụ việc đang tạm đình chỉ", _DATE),
    Column(
        "closed_on",
        "Ngày kết thúc",
        "Ngày vụ việc kết thúc (đình chỉ, có hiệu lực, đã thực hiện...); để trống: lấy ngày "
        "gửi hoặc ngày quyết định",
        _DATE,
    ),
    Column(
        "termination_reason",
        "Lý do đình chỉ",
        "Bắt buộc khi vụ việc bị đình chỉ",
        "Rút đơn / Người bị tố cáo chết / Đã có bản án, quyết định của Tòa án / Khác.",
    ),
    Column(
        "parent_code", "Mã đơn vị cấp trên", "Dùng khi tạo đơn vị chưa có", "", ("Đơn vị cấp trên",)
    ),
)

RECEPTION_COLUMNS: tuple[Column, ...] = (
    Column("stt", "STT", "Số thứ tự (1)", "Không dùng khi nhập.", ("Số thứ tự", "TT")),
    Column(
        "visit_date",
        "Ngày tiếp",
        "Ngày tiếp công dân (2)",
        _DATE,
        ("Ngày, tháng, năm tiếp", "Ngày tiếp công dân", "Ngày tháng năm"),
        True,
    ),
    Column(
        "persons",
        "Họ tên, địa chỉ",
        "Người được tiếp (3)",
        "Mỗi người một dòng: “Họ tên, địa chỉ”; người đại diện của đoàn ghi “(đại diện)” sau "
        "họ tên.",
        ("Họ và tên, địa chỉ", "Họ tên và địa chỉ", "Họ tên, địa chỉ người được tiếp"),
        True,
    ),
    Column(
        "identity",
        "Số CCCD/giấy tờ",
        "Số giấy tờ của từng người, cùng thứ tự (4)",
        "",
        ("Số giấy tờ", "Số CCCD", "Số CMND/CCCD", "Số định danh", "Số CCCD/CMND"),
    ),
    Column(
        "content",
        "Nội dung tóm tắt",
        "Nội dung vụ việc (5)",
        "",
        ("Nội dung vụ việc", "Nội dung", "Tóm tắt nội dung"),
        True,
    ),
    Column(
        "kind",
        "Loại đơn",
        "Phân loại (6)",
        "Khiếu nại / Tố cáo / Kiến nghị, phản ánh.",
        ("Phân loại đơn", "Loại", "Phân loại"),
        True,
    ),
    Column(
        "people_count",
        "Số người cùng nội dung",
        "Số người (7); từ 5 người là đoàn đông người",
        "Số nguyên, để trống là số người ghi tên.",
        ("Số người", "Số người đến"),
    ),
    Column(
        "previous_resolver",
        "Cơ quan đã giải quyết",
        "(8)",
        "",
        ("Cơ quan, tổ chức đã giải quyết", "Cơ quan đã giải quyết (nếu có)"),
    ),
    Column("competent", "Thuộc thẩm quyền", "(9)", _YES_NO, ("Thẩm quyền",)),
    Column(
        "guided",
        "Hướng dẫn (cơ quan, số văn bản)",
        "(10) Kết quả tiếp: hướng dẫn",
        "“Cơ quan (số văn bản)”, hoặc “Trả lời, giải thích trực tiếp”.",
        ("Hướng dẫn", "Trả lời, hướng dẫn", "Hướng dẫn, giải thích"),
    ),
    Column(
        "transferred",
        "Cơ quan thụ lý (số văn bản chuyển)",
        "(11) Kết quả tiếp: chuyển đơn",
        "“Cơ quan (số văn bản)”, hoặc “Nhận đơn” khi đơn vị nhận đơn.",
        ("Chuyển đơn", "Cơ quan thụ lý", "Chuyển đơn đến cơ quan"),
    ),
    Column("follow_up", "Theo dõi kết quả", "(12)", "", ("Theo dõi kết quả giải quyết",)),
    Column(
        "note",
        "Ghi chú",
        "(13)",
        "Dòng “Từ chối tiếp: lý do”, “Tiếp nhiều lần” ở đầu ô được hiểu như kết quả tiếp.",
    ),
    Column(
        "unit_code",
        "Mã đơn vị",
        "Cột bổ sung: đơn vị tiếp",
        "Bỏ trống khi chọn đơn vị khi nhập (--unit).",
        ("Đơn vị", "Mã ĐV"),
    ),
    Column(
        "session_kind",
        "Hình thức tiếp",
        "Cột bổ sung",
        "Thường xuyên / Định kỳ / Đột xuất; để trống là thường xuyên.",
        ("Loại buổi tiếp", "Hình thức"),
    ),
    Column("unit_name", "Tên đơn vị", "Cột bổ sung: dùng khi tạo đơn vị chưa có", ""),
    Column("parent_code", "Mã đơn vị cấp trên", "Cột bổ sung: dùng khi tạo đơn vị chưa có", ""),
)

COLUMNS = {RegisterKind.petitions: PETITION_COLUMNS, RegisterKind.reception: RECEPTION_COLUMNS}


def column(kind: RegisterKind, name: str) -> Column:
    return next(c for c in COLUMNS[RegisterKind(kind)] if c.field == name)


# --- matching text ------------------------------------------------------------------------

_NON_WORD = re.compile(r"[^a-z0-9]+")


def norm(text) -> str:
    """Text as compared: no diacritics, case, punctuation or repeated spaces."""
    return _norm(str(text or ""))


@functools.lru_cache(maxsize=4096)  # a register's coded cells repeat a few words
def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", fold(text)).strip()


def match_headers(kind: RegisterKind, headers: list[str]) -> dict[str, int]:
    """Which file column each field comes from, by header name (first match wins)."""
    return match_columns(COLUMNS[RegisterKind(kind)], headers)


def match_columns(columns: tuple[Column, ...], headers: list[str]) -> dict[str, int]:
    """match_headers() for any table of columns (the registers', the opening balances')."""
    wanted: dict[str, str] = {}
    # A column's own header first: the export's headers always read back to their columns,
    # whatever name another column also accepts.
    for col in columns:
        wanted.setdefault(norm(col.header), col.field)
    for col in columns:
        for name in col.synonyms:
            wanted.setdefault(norm(name), col.field)
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = norm(header)
        name = re.sub(r"^\d+\s+", "", name) if name not in wanted else name  # "(3) Họ tên"
        field = wanted.get(name)
        if field and field not in mapping:
            mapping[field] = index
    return mapping


def kind_score(kind: RegisterKind, headers: list[str]) -> int:
    """How well a header row fits a register: its required columns found count most."""
    found = match_headers(kind, headers)
    required = [c.field for c in COLUMNS[kind] if c.required]
    return sum(10 for f in required if f in found) + len(found)


# --- coded values -------------------------------------------------------------------------


def _labels(enum_cls, extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, object]:
    table: dict[str, object] = {}
    for member in enum_cls:
        table[norm(member.value)] = member
        table[norm(member.label)] = member
        for synonym in (extra or {}).get(member.value, ()):
            table[norm(synonym)] = member
    return table


VOCAB: dict[str, dict[str, object]] = {
    "source": _labels(
        PetitionSource,
        {
            "post": ("Bưu chính", "Bưu điện", "Qua bưu điện", "Đường bưu điện"),
            "reception": ("Tiếp công dân", "Trực tiếp", "Tại buổi tiếp công dân", "Tại trụ sở"),
            "mailbox": ("Hòm thư", "Hòm thư góp ý"),
            "hotline": ("Đường dây nóng",),
            "deputy": ("Đại biểu Quốc hội", "ĐBQH", "Đoàn ĐBQH"),
            "people_council": ("HĐND", "Hội đồng nhân dân"),
            "fatherland_front": ("MTTQ", "Mặt trận Tổ quốc", "UBMTTQ"),
            "press": ("Báo chí", "Cơ quan báo chí"),
            "other_body": ("Cơ quan khác", "Cơ quan, tổ chức khác", "Cơ quan chuyển đến"),
            "leader": ("Lãnh đạo", "Lãnh đạo chuyển", "Lãnh đạo giao"),
            "online": ("Trực tuyến", "Qua mạng", "Cổng dịch vụ công", "Thư điện tử", "Email"),
        },
    ),
    "kind": _labels(
        PetitionKind,
        {
            "complaint": ("KN", "Đơn khiếu nại"),
            "denunciation": ("TC", "Đơn tố cáo"),
            "feedback": ("KNPA", "KN, PA", "Kiến nghị", "Phản ánh", "Kiến nghị phản ánh", "PA"),
        },
    ),
    "field": _labels(
        Field,
        {
            "land": ("Đất đai", "Đất"),
            "housing": ("Nhà ở", "Nhà"),
            "policy": ("Chính sách", "Chế độ chính sách"),
            "civil_service": ("Công chức", "Chế độ công chức"),
            "environment": ("Môi trường", "Tài nguyên môi trường"),
            "judiciary": ("Tư pháp",),
            "corruption": ("Tham nhũng",),
            "party": ("Đảng", "Đoàn thể"),
            "other": ("Khác",),
        },
    ),
    "outcome": _labels(
        ProcessingOutcome,
        {
            "accept": ("Thụ lý", "Thụ lý giải quyết"),
            "transfer": ("Chuyển đơn", "Chuyển"),
            "guide": ("Hướng dẫn",),
            "return": ("Trả lại đơn", "Trả lại"),
            "file": ("Lưu đơn", "Lưu", "Lưu đơn, không xử lý"),
            "urge": ("Đôn đốc",),
        },
    ),
    "ineligible_reasons": _labels(
        IneligibleReason,
        {
            "anonymous": ("Nặc danh", "Mạo danh"),
            "out_of_time": ("Hết thời hiệu",),
            "already_processed": ("Đã giải quyết", "Đã xử lý"),
            "several_contents": ("Nhiều nội dung",),
            "unclear": ("Không rõ nội dung",),
            "no_signature": ("Không có chữ ký",),
            "no_date": ("Không ghi ngày",),
            "no_identity": ("Không rõ họ tên, địa chỉ", "Không ghi họ tên"),
            "not_vietnamese": ("Không dùng tiếng Việt",),
        },
    ),
    "case_state": _labels(
        CaseState,
        {
            "accepted": ("Thụ lý", "Đang giải quyết"),
            "verifying": ("Xác minh", "Đang xác minh"),
            "dialogue": ("Đối thoại",),
            "decided": ("Đã giải quyết", "Đã ban hành quyết định", "Đã kết luận"),
            "sent": ("Đã gửi quyết định", "Đã gửi kết luận"),
            "published": ("Đã công khai",),
            "final": ("Có hiệu lực", "Quyết định đã có hiệu lực"),
            "appealed": ("Khiếu nại lần hai", "Khởi kiện"),
            "enforced": ("Đã thực hiện", "Đã tổ chức thực hiện"),
            "answered": ("Trả lời", "Đã trả lời kiến nghị, phản ánh"),
            "suspended": ("Tạm đình chỉ",),
            "terminated": ("Đình chỉ", "Đình chỉ giải quyết"),
        },
    ),
    "case_outcome": _labels(
        Outcome,
        {
            "upheld": ("Đúng toàn bộ", "Khiếu nại đúng", "Tố cáo đúng"),
            "partly_upheld": ("Có đúng có sai", "Đúng một phần, sai một phần", "Đúng 1 phần"),
            "rejected": ("Sai toàn bộ", "Sai hoàn toàn", "Khiếu nại sai", "Tố cáo sai"),
        },
    ),
    "termination_reason": _labels(
        TerminationReason,
        {
            "withdrawn": ("Rút đơn", "Rút toàn bộ", "Rút", "Rút khiếu nại", "Rút tố cáo"),
            "accused_died": ("Người bị tố cáo chết",),
            "already_judged": ("Đã có bản án", "Đã có bản án, quyết định của Tòa án", "Tòa án"),
            "other": ("Khác", "Lý do khác"),
        },
    ),
    "session_kind": _labels(SessionKind),
    "refusal_ground": _labels(
        RefusalGround,
        {
            "incapacitated": ("Say rượu", "Tâm thần", "Mất năng lực hành vi dân sự"),
            "disorderly": ("Gây rối", "Gây rối trật tự", "Đe dọa, xúc phạm"),
            "already_resolved": ("Đã giải quyết đúng pháp luật", "Khiếu nại kéo dài"),
            "other": ("Khác",),
        },
    ),
}

TRUE_WORDS = frozenset({"co", "x", "1", "true", "yes", "dung"})
FALSE_WORDS = frozenset({"khong", "0", "false", "no", "sai"})
UNKNOWN_WORDS = frozenset({"", "chua xac dinh", "chua", "chua xu ly"})


def parse_coded(vocab: str, text: str):
    """The enum member a cell names (label, code or a usual abbreviation), or None."""
    return VOCAB[vocab].get(norm(text))


def parse_yes_no(text: str) -> bool | None:
    """Có / Không / blank; raises ValueError on anything else."""
    word = norm(text)
    if word in UNKNOWN_WORDS:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Có" if value else "Không")


# --- dates --------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel serial numbers of the dates a register may hold (01/01/2000 to 31/12/2099).
SERIAL_RANGE = (36526, 73415)


class DateError(ValueError):
    """A cell that is not a date in any accepted form; the message says what was found."""


def from_serial(number: float) -> date:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        raise DateError(f"số {number:g} không phải ngày Excel hợp lệ")
    return EXCEL_EPOCH + timedelta(days=int(number))


def parse_date(value) -> date | None:
    """A date from a cell: a date cell, an Excel serial, dd/mm/yyyy, d/m/yy or yyyy-mm-dd."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise DateError(str(value))
    if isinstance(value, int | float):
        return from_serial(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        if m := _DMY.match(text):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                year += 2000  # d/m/yy: registers start in 2000 (older dates are refused anyway)
            return date(year, month, day)
        if m := _YMD.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if _SERIAL.match(text):
            return from_serial(float(text))
    except ValueError as e:
        if isinstance(e, DateError):
            raise
        raise DateError(text) from None
    raise DateError(text)
