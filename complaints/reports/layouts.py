"""The official forms (TT 01/2024/TT-TTCP annexes) as layouts over the figure catalogue:
which figures, under which headers, for which kinds of petition."""

from __future__ import annotations

from dataclasses import dataclass, field

from complaints.core.vocab import Field, PetitionKind


@dataclass(frozen=True)
class Column:
    figure: str
    header: str
    group: str = ""  # the merged header above (empty: the column header spans both rows)


@dataclass(frozen=True)
class Layout:
    code: str  # as on the command line: 01-TCD
    title: str
    columns: tuple[Column, ...]
    kinds: tuple[str, ...] = ()  # () = every kind
    rate: bool = False  # add the resolution rate column
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def official_code(self) -> str:
        number, series = self.code.split("-")
        return f"Mẫu số {number}/{series}"

    @property
    def figure_ids(self) -> list[str]:
        ids = [c.figure for c in self.columns if c.figure != "competent.resolution_rate"]
        if self.rate:
            ids += [
                "competent.resolved",
                "competent.cases",
                "competent.petitions",
                "competent.resolved_petitions",
            ]
        return list(dict.fromkeys(ids))

    def columns_for(self, basis: str) -> tuple[Column, ...]:
        """The columns as printed under a rate basis: on petitions, the resolved petitions
        stand next to the rate, whose header says so (the rate is the quotient of the printed
        "Số đơn đã giải quyết" over "Số đơn"); on cases the form as the law prints it."""
        if not self.rate or basis != "petitions":
            return self.columns
        columns: list[Column] = []
        for c in self.columns:
            if c.figure == "competent.resolution_rate":
                columns.append(Column(c.figure, "Tỷ lệ (%) theo số đơn", c.group))
                continue
            columns.append(c)
            if c.figure == "competent.resolved":
                resolved = Column("competent.resolved_petitions", "Số đơn đã giải quyết", c.group)
                columns.append(resolved)
        return tuple(columns)


def _reception_columns(prefix: str, group: str) -> list[Column]:
    return [
        Column(f"{prefix}.visits", "Lượt", group),
        Column(f"{prefix}.people", "Người", group),
        Column(f"{prefix}.cases_first", "Vụ việc lần đầu", group),
        Column(f"{prefix}.cases_repeat", "Vụ việc nhiều lần", group),
        Column(f"{prefix}.delegations", "Số đoàn đông người", group),
        Column(f"{prefix}.delegation_people", "Người trong đoàn", group),
    ]


def _leader_split_columns(prefix: str, group: str) -> list[Column]:
    return [
        Column(f"{prefix}.sessions", "Số kỳ tiếp", group),
        Column(f"{prefix}.visits", "Lượt", group),
        Column(f"{prefix}.people", "Người", group),
    ]


def _kind_columns(prefix: str, group: str) -> list[Column]:
    # label_vi: the form's headings are the law's words in every interface language.
    return [Column(f"{prefix}.{k.value}", k.label_vi, group) for k in PetitionKind]


def _field_columns(group: str) -> list[Column]:
    return [Column(f"petitions.by_field.{f.value}", f.label_vi, group) for f in Field]


_XLD_COMMON = [
    Column("petitions.carried_over", "Kỳ trước chuyển sang", "Tổng số đơn"),
    Column("petitions.received", "Tiếp nhận trong kỳ", "Tổng số đơn"),
    Column("petitions.total", "Tổng", "Tổng số đơn"),
    Column("petitions.processed", "Đã xử lý", ""),
    Column("petitions.eligible", "Số đơn", "Đủ điều kiện xử lý"),
    Column("petitions.eligible_cases", "Số vụ việc", "Đủ điều kiện xử lý"),
]
_XLD_COMPETENCE = [
    Column("petitions.competent", "Thuộc thẩm quyền", "Theo thẩm quyền"),
    Column("petitions.not_competent", "Không thuộc thẩm quyền", "Theo thẩm quyền"),
    Column("petitions.not_competent.guide", "Hướng dẫn", "Không thuộc thẩm quyền"),
    Column("petitions.not_competent.transfer", "Chuyển đơn", "Không thuộc thẩm quyền"),
    Column("petitions.not_competent.urge", "Đôn đốc", "Không thuộc thẩm quyền"),
]
_KQGQ = [
    Column("competent.cases_carried_over", "Kỳ trước chuyển sang", "Vụ việc thuộc thẩm quyền"),
    Column("competent.cases_new", "Thụ lý mới", "Vụ việc thuộc thẩm quyền"),
    Column("competent.cases", "Tổng số vụ việc", "Vụ việc thuộc thẩm quyền"),
    Column("competent.petitions", "Số đơn", "Vụ việc thuộc thẩm quyền"),
    Column("competent.resolved", "Đã giải quyết", "Kết quả giải quyết"),
    Column("competent.resolution_rate", "Tỷ lệ (%)", "Kết quả giải quyết"),
    # Carried over + new = resolved + terminated + still open (figures.IDENTITIES).
    Column("competent.terminated", "Đình chỉ (trừ rút đơn)", "Chưa giải quyết xong"),
    Column("competent.still_open", "Còn đang giải quyết", "Chưa giải quyết xong"),
    Column("competent.outcomes.upheld", "Đúng", "Phân tích kết quả"),
    Column("competent.outcomes.partly_upheld", "Đúng một phần", "Phân tích kết quả"),
    Column("competent.outcomes.rejected", "Sai", "Phân tích kết quả"),
    Column("competent.outcomes.withdrawn", "Rút đơn", "Phân tích kết quả"),
    Column("competent.on_time", "Đúng hạn", "Chấp hành thời hạn"),
    Column("competent.late", "Quá hạn", "Chấp hành thời hạn"),
]

LAYOUTS: dict[str, Layout] = {
    layout.code: layout
    for layout in (
        Layout(
            "01-TCD",
            "Tổng hợp kết quả tiếp công dân",
            (
                *_reception_columns("reception", "Tổng"),
                *_reception_columns("reception.regular", "Tiếp thường xuyên"),
                Column(
                    "reception.leader.sessions", "Số kỳ tiếp", "Lãnh đạo tiếp định kỳ, đột xuất"
                ),
                Column(
                    "reception.leader.in_person", "Trực tiếp", "Lãnh đạo tiếp định kỳ, đột xuất"
                ),
                Column("reception.leader.delegated", "Ủy quyền", "Lãnh đạo tiếp định kỳ, đột xuất"),
                *_reception_columns("reception.leader", "Lãnh đạo tiếp định kỳ, đột xuất"),
                # The leaders' reception apart, as published: "định kỳ 98 lượt / 115 người".
                *_leader_split_columns("reception.periodic", "Lãnh đạo tiếp định kỳ"),
                *_leader_split_columns("reception.adhoc", "Lãnh đạo tiếp đột xuất"),
            ),
        ),
        Layout(
            "02-TCD",
            "Tổng hợp kết quả phân loại, xử lý đơn qua tiếp công dân",
            (
                Column("reception.petitions", "Tổng số đơn", ""),
                *_kind_columns("reception.petitions.by_kind", "Theo nội dung"),
            ),
        ),
        Layout(
            "01-XLD",
            "Tổng hợp kết quả xử lý đơn",
            (
                *_XLD_COMMON,
                *_kind_columns("petitions.by_kind", "Phân loại theo nội dung"),
                *_XLD_COMPETENCE,
            ),
        ),
        Layout(
            "02-XLD",
            "Tổng hợp kết quả xử lý đơn khiếu nại",
            (*_XLD_COMMON, *_field_columns("Theo lĩnh vực"), *_XLD_COMPETENCE),
            kinds=("complaint",),
        ),
        Layout(
            "03-XLD",
            "Tổng hợp kết quả xử lý đơn tố cáo",
            (*_XLD_COMMON, *_field_columns("Theo lĩnh vực"), *_XLD_COMPETENCE),
            kinds=("denunciation",),
        ),
        Layout(
            "04-XLD",
            "Tổng hợp kết quả xử lý đơn kiến nghị, phản ánh",
            (*_XLD_COMMON, *_field_columns("Theo lĩnh vực"), *_XLD_COMPETENCE),
            kinds=("feedback",),
        ),
        Layout(
            "01-KQGQ",
            "Tổng hợp kết quả giải quyết khiếu nại",
            tuple(_KQGQ),
            kinds=("complaint",),
            rate=True,
        ),
        Layout(
            "03-KQGQ",
            "Tổng hợp kết quả giải quyết tố cáo",
            tuple(_KQGQ),
            kinds=("denunciation",),
            rate=True,
        ),
    )
}
FORM_CODES = ("summary", *LAYOUTS)
