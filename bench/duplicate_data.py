"""Labelled synthetic Vietnamese petitions for measuring duplicate detection (bench/duplicates.py).

A "matter" is one person (or group, or an anonymous writer) writing about one thing; it yields
one to five petitions: the first letter and the letters sent again later, each written and
typed differently. Two petitions are duplicates when they come from the same matter.

The variation is what a register really sees: names typed without diacritics, in swapped
order ("Bình Trần Thị"), in capitals, a middle name left out; addresses abbreviated ("P." for
phường, "TP" for thành phố, "TDP" for tổ dân phố), shortened or missing; identity numbers and
phones given or not, once in a while with a typing slip; letters sent again with edited
wording (other opening, clauses dropped or reordered, "QĐ" for quyết định, synonyms, the
decision number left out, no diacritics, a typo).

Hard negatives, labelled as different matters:
- namesakes: another person with the same name (or one that folds to the same letters, or
  another middle name) at another address, writing about the same kind of thing;
- neighbours: another household of the same street complaining about the same decision;
- the same person writing about another matter.

Everything comes from one seeded random.Random: the same size and seed give the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from unidecode import unidecode


def _split(text: str) -> list[str]:
    return text.split()


SURNAMES = _split(
    "Nguyễn Nguyễn Nguyễn Nguyễn Trần Trần Lê Lê Phạm Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi "
    "Đỗ Hồ Ngô Dương Lý Đinh Đào Cao Mai Lương Trịnh Tạ Hà Chu Lưu Tô Quách Vương Kiều"
)
MIDDLE_MALE = _split("Văn Văn Văn Hữu Đức Minh Quang Xuân Công Đình Hoàng Gia Bảo Thành Duy Mạnh")
MIDDLE_FEMALE = _split("Thị Thị Thị Thị Ngọc Thu Kim Thanh Thùy Bích Minh Phương Hồng Mỹ")
GIVEN_MALE = _split(
    "An Bình Cường Dũng Đạt Hải Hùng Hưng Huy Khánh Long Nam Phúc Quân Sơn Tâm Thắng Tiến "
    "Toàn Trung Tuấn Việt Hòa Hiếu Kiên Lâm Lộc Nghĩa Phong Quang Tài Thịnh Vinh Đức Hậu"
)
GIVEN_FEMALE = _split(
    "An Bình Hà Hạnh Hương Lan Linh Loan Mai Nga Nhung Oanh Phương Quỳnh Thảo Thủy Trang "
    "Vân Yến Hoa Huệ Hằng Liên Ngân Nhàn Tâm Thoa Tuyết Xuân Dung Giang"
)
# Given names a register often confuses once diacritics are gone: Hùng/Hưng, Hà/Hạ...
FOLD_TWINS = {"Hùng": "Hưng", "Hưng": "Hùng", "Hà": "Hạ", "Loan": "Loán", "Tâm": "Tám"}

CITY = "Hải Phòng"
WARDS = (
    "Lê Chân",
    "Hải An",
    "Ngô Quyền",
    "Hồng Bàng",
    "Kiến An",
    "Dương Kinh",
    "An Biên",
    "Gia Viên",
    "Đông Hải",
    "Cát Bi",
    "Hưng Đạo",
    "Thành Tô",
    "Lạch Tray",
    "An Dương",
)
STREETS = (
    "Lạch Tray",
    "Trần Nguyên Hãn",
    "Tô Hiệu",
    "Lê Lợi",
    "Điện Biên Phủ",
    "Hai Bà Trưng",
    "Nguyễn Đức Cảnh",
    "Cát Dài",
    "Trần Phú",
    "Lê Hồng Phong",
    "Văn Cao",
    "Đà Nẵng",
    "Hùng Vương",
    "Nguyễn Văn Linh",
    "Thiên Lôi",
    "Chợ Hàng",
    "Trần Nhân Tông",
    "Phạm Văn Đồng",
)
PROJECTS = (
    "mở rộng đường Lạch Tray",
    "xây dựng khu đô thị Bắc sông Cấm",
    "nút giao Nam cầu Bính",
    "cải tạo chung cư cũ An Đà",
    "tuyến đường ven sông Lạch Tray",
    "khu công nghiệp Tràng Duệ",
    "công viên Tam Bạc",
)
BENEFITS = (
    "trợ cấp người có công",
    "trợ cấp xã hội hằng tháng",
    "hưu trí",
    "bảo hiểm xã hội một lần",
    "trợ cấp chất độc hóa học",
)
RELATIVES = ("mẹ tôi", "bố tôi", "gia đình tôi", "bản thân tôi", "chồng tôi")
BUSINESSES = (
    "xưởng gỗ",
    "quán karaoke",
    "xưởng cơ khí",
    "cơ sở giết mổ gia súc",
    "nhà hàng tiệc cưới",
    "bãi tập kết vật liệu xây dựng",
)
SCHOOLS = ("Tiểu học Lê Lợi", "THCS Ngô Quyền", "Mầm non Hoa Sen", "THCS Lê Chân")
POSITIONS = (
    ("cán bộ địa chính", "có hành vi nhận tiền của người dân khi làm hồ sơ cấp sổ đỏ"),
    ("Chủ tịch UBND", "giao đất trái thẩm quyền cho một số hộ dân"),
    ("cán bộ tư pháp", "gây khó khăn, sách nhiễu khi chứng thực giấy tờ"),
    ("trưởng thôn", "thu tiền đóng góp của người dân trái quy định"),
    ("cán bộ xây dựng", "bao che cho công trình xây dựng trái phép"),
)


# --- the people ---------------------------------------------------------------------------


@dataclass
class Person:
    surname: str
    middle: str
    given: str
    house: str  # "Số 12 đường Lạch Tray" or "Tổ dân phố 3"
    street: str
    ward: str
    identity: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.surname} {self.middle} {self.given}"


def _identity(r: random.Random) -> str:
    return f"031{r.choice('0123')}{r.randint(40, 99):02d}{r.randint(0, 999999):06d}"


def _phone(r: random.Random) -> str:
    return f"0{r.choice(['9', '8', '3', '7'])}{r.randint(10_000_000, 99_999_999)}"


def new_person(r: random.Random, *, ward: str | None = None, street: str | None = None) -> Person:
    female = r.random() < 0.5
    street = street or r.choice(STREETS)
    if r.random() < 0.75:
        house = f"Số {r.randint(1, 450)} đường {street}"
    else:
        house = f"Tổ dân phố {r.randint(1, 25)}"
    return Person(
        surname=r.choice(SURNAMES),
        middle=r.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
        given=r.choice(GIVEN_FEMALE if female else GIVEN_MALE),
        house=house,
        street=street,
        ward=ward or r.choice(WARDS),
        identity=_identity(r),
        phone=_phone(r),
    )


def namesake(r: random.Random, of: Person) -> tuple[Person, str]:
    """Another person whose name reads the same (or nearly) and who lives elsewhere."""
    other = new_person(r)
    other.surname, other.middle, other.given = of.surname, of.middle, of.given
    kind = "namesake_exact"
    roll = r.random()
    if roll < 0.2 and of.given in FOLD_TWINS:
        other.given, kind = FOLD_TWINS[of.given], "namesake_folded"
    elif roll < 0.35:
        pool = MIDDLE_FEMALE if of.middle in MIDDLE_FEMALE else MIDDLE_MALE
        other.middle = r.choice([m for m in pool if m != of.middle] or pool)
        kind = "namesake_middle"
    if r.random() < 0.3:  # same ward, another street: close, but another household
        other.ward = of.ward
        other.street = r.choice([s for s in STREETS if s != of.street])
        other.house = f"Số {r.randint(1, 450)} đường {other.street}"
    return other, kind


# --- what they write ----------------------------------------------------------------------


@dataclass
class Content:
    """A letter's substance: a main clause, details, a request; with the numbers it cites."""

    kind: str
    template: str
    main: str
    details: list[str]
    request: str
    reference: str = ""  # the clause naming the decision, removed when a letter omits it


def _date(r: random.Random) -> str:
    return f"{r.randint(1, 28)}/{r.randint(1, 12)}/{r.choice([2022, 2023])}"


def complaint(r: random.Random, p: Person, slots: dict | None = None) -> Content:
    s = slots or {}
    t = s.get("template") or r.choice(
        ["compensation", "certificate", "sanction", "benefit", "discipline", "recovery"]
    )
    dec = s.get("dec", r.randint(1, 999))
    d = s.get("date", _date(r))
    plot, sheet = s.get("plot", r.randint(1, 900)), s.get("sheet", r.randint(1, 60))
    ward = p.ward
    if t == "compensation":
        project = s.get("project", r.choice(PROJECTS))
        ref = f"Quyết định số {dec}/QĐ-UBND ngày {d} của UBND phường {ward}"
        return Content(
            "complaint",
            t,
            f"Khiếu nại {ref} về việc bồi thường, hỗ trợ khi thu hồi đất thực hiện dự án {project}",
            [
                f"đối với thửa đất số {plot}, tờ bản đồ số {sheet}, "
                f"diện tích {r.randint(40, 400)} m2",
                "giá bồi thường thấp hơn nhiều so với giá thị trường",
                "gia đình không được bố trí tái định cư",
            ],
            "Đề nghị xem xét lại mức bồi thường cho gia đình tôi",
            ref,
        )
    if t == "certificate":
        return Content(
            "complaint",
            t,
            f"Khiếu nại việc UBND phường {ward} từ chối cấp Giấy chứng nhận quyền sử dụng đất "
            f"đối với thửa đất số {plot}, tờ bản đồ số {sheet}",
            [
                f"gia đình tôi sử dụng ổn định từ năm {r.randint(1975, 2005)}",
                "đất không có tranh chấp với các hộ liền kề",
                "hồ sơ đã nộp đầy đủ theo hướng dẫn",
            ],
            "Đề nghị cấp Giấy chứng nhận quyền sử dụng đất cho gia đình tôi",
        )
    if t == "sanction":
        ref = f"Quyết định xử phạt vi phạm hành chính số {dec}/QĐ-XPHC ngày {d}"
        return Content(
            "complaint",
            t,
            f"Khiếu nại {ref} của Chủ tịch UBND phường {ward} về hành vi xây dựng không phép",
            [
                f"số tiền phạt {r.randint(5, 80)}.000.000 đồng là quá cao",
                "công trình được xây dựng trên đất ở của gia đình",
                "tôi đã nộp hồ sơ xin phép nhưng không được trả lời",
            ],
            "Đề nghị hủy quyết định xử phạt",
            ref,
        )
    if t == "benefit":
        benefit = s.get("benefit", r.choice(BENEFITS))
        relative = s.get("relative", r.choice(RELATIVES))
        month = s.get("month", f"{r.randint(1, 12)}/{r.choice([2022, 2023])}")
        return Content(
            "complaint",
            t,
            f"Khiếu nại việc cắt chế độ {benefit} của {relative} từ tháng {month}",
            [
                "Phòng Lao động - Thương binh và Xã hội không giải thích lý do",
                "hồ sơ gốc vẫn còn lưu tại địa phương",
            ],
            "Đề nghị khôi phục chế độ và truy lĩnh số tiền bị cắt",
        )
    if t == "discipline":
        ref = f"Quyết định số {dec}/QĐ-KL ngày {d}"
        return Content(
            "complaint",
            t,
            f"Khiếu nại {ref} về việc kỷ luật bằng hình thức cảnh cáo đối với bản thân tôi",
            [
                "việc xem xét kỷ luật không đúng trình tự",
                "tôi không được giải trình trước hội đồng",
            ],
            "Đề nghị hủy quyết định kỷ luật",
            ref,
        )
    field_name = s.get("field", r.choice(["Đồng Mới", "Bãi Sậy", "Cửa Làng", "Đồng Chùa"]))
    return Content(
        "complaint",
        "recovery",
        f"Khiếu nại việc UBND phường {ward} thu hồi đất nông nghiệp của gia đình tôi tại "
        f"cánh đồng {field_name} mà không có thông báo",
        [
            f"diện tích bị thu hồi khoảng {r.randint(200, 2000)} m2",
            "gia đình chưa nhận được tiền bồi thường",
        ],
        "Đề nghị trả lại đất hoặc bồi thường theo quy định",
    )


def denunciation(r: random.Random, p: Person | None, slots: dict | None = None) -> Content:
    s = slots or {}
    accused = s.get("accused") or new_person(r)
    ward = s.get("ward") or (p.ward if p else r.choice(WARDS))
    t = s.get("template") or r.choice(["official", "school", "encroach"])
    title = "ông" if accused.middle in MIDDLE_MALE else "bà"
    if t == "official":
        position, act = s.get("position") or r.choice(POSITIONS)
        return Content(
            "denunciation",
            t,
            f"Tố cáo {title} {accused.name}, {position} UBND phường {ward}, {act}",
            [
                f"số tiền khoảng {r.randint(5, 200)} triệu đồng",
                f"sự việc xảy ra từ tháng {r.randint(1, 12)}/{r.choice([2023, 2024])}",
                "nhiều người dân trong khu vực đều biết",
            ],
            "Đề nghị cơ quan có thẩm quyền kiểm tra, xử lý nghiêm",
        )
    if t == "school":
        school = s.get("school") or r.choice(SCHOOLS)
        return Content(
            "denunciation",
            t,
            f"Tố cáo {title} {accused.name}, hiệu trưởng trường {school}, thu các khoản tiền "
            "trái quy định của phụ huynh học sinh",
            [
                f"mỗi học sinh phải nộp {r.randint(200, 900)}.000 đồng",
                "không có biên lai thu tiền",
            ],
            "Đề nghị thanh tra, làm rõ và trả lại tiền cho phụ huynh",
        )
    street = s.get("street") or r.choice(STREETS)
    return Content(
        "denunciation",
        "encroach",
        f"Tố cáo hộ {title} {accused.name} lấn chiếm đất công, xây dựng công trình trái phép "
        f"tại đường {street}, phường {ward}",
        [
            f"diện tích lấn chiếm khoảng {r.randint(20, 300)} m2",
            "chính quyền địa phương biết nhưng không xử lý",
        ],
        "Đề nghị buộc tháo dỡ công trình, trả lại hiện trạng",
    )


def feedback(r: random.Random, p: Person, slots: dict | None = None) -> Content:
    s = slots or {}
    t = s.get("template") or r.choice(["road", "noise", "benefit", "waste", "light"])
    street = s.get("street") or p.street
    if t == "road":
        return Content(
            "feedback",
            t,
            f"Kiến nghị sửa chữa tuyến đường {street} thuộc phường {p.ward} bị xuống cấp, "
            "ngập úng mỗi khi mưa",
            ["mặt đường có nhiều ổ gà gây nguy hiểm", "cống thoát nước bị tắc lâu ngày"],
            "Đề nghị sớm cải tạo tuyến đường",
        )
    if t == "noise":
        business = s.get("business") or r.choice(BUSINESSES)
        return Content(
            "feedback",
            t,
            f"Phản ánh {business} tại đường {street} gây ô nhiễm tiếng ồn, khói bụi ảnh hưởng "
            "đến các hộ dân xung quanh",
            [
                "hoạt động cả ban đêm sau 22 giờ",
                "đã nhiều lần báo tổ dân phố nhưng không có kết quả",
            ],
            "Đề nghị kiểm tra, xử lý dứt điểm",
        )
    if t == "benefit":
        benefit = s.get("benefit") or r.choice(BENEFITS)
        relative = s.get("relative") or r.choice(RELATIVES)
        return Content(
            "feedback",
            t,
            f"Kiến nghị xem xét giải quyết chế độ {benefit} cho {relative}",
            ["hồ sơ đã nộp từ lâu nhưng chưa có kết quả", "gia đình có hoàn cảnh khó khăn"],
            "Đề nghị cơ quan chức năng xem xét, trả lời",
        )
    if t == "waste":
        group = s.get("group") or r.randint(1, 25)
        return Content(
            "feedback",
            t,
            f"Phản ánh việc thu gom rác thải tại tổ dân phố {group}, phường {p.ward} không đúng "
            "giờ, rác tồn đọng nhiều ngày",
            ["gây mùi hôi thối ảnh hưởng sinh hoạt", "xe thu gom để rơi vãi rác trên đường"],
            "Đề nghị chấn chỉnh đơn vị thu gom",
        )
    lane = s.get("lane") or r.randint(1, 300)
    return Content(
        "feedback",
        "light",
        f"Kiến nghị lắp đặt đèn chiếu sáng tại ngõ {lane} đường {street}, phường {p.ward}",
        ["ban đêm ngõ tối, đã xảy ra mất trộm", "người già và trẻ em đi lại khó khăn"],
        "Đề nghị phường sớm lắp đặt",
    )


# --- how each letter is written -------------------------------------------------------------

_OPENINGS = (
    "Tôi tiếp tục gửi đơn.",
    "Tôi đã gửi đơn nhưng đến nay chưa được giải quyết.",
    "Đơn lần {k}.",
    "Tôi làm đơn này một lần nữa.",
    "Kính gửi lãnh đạo.",
    "Tôi xin trình bày lại sự việc như sau.",
    "",
)
_SWAPS = (
    ("Quyết định", "QĐ"),
    ("UBND", "Ủy ban nhân dân"),
    ("Giấy chứng nhận quyền sử dụng đất", "GCNQSDĐ"),
    ("Giấy chứng nhận quyền sử dụng đất", "sổ đỏ"),
    ("phường", "P."),
    ("Đề nghị", "Yêu cầu"),
    ("Đề nghị", "Kính đề nghị"),
    ("xem xét lại", "giải quyết lại"),
    ("thửa đất số", "thửa số"),
    ("tờ bản đồ số", "tờ bản đồ"),
    ("gia đình tôi", "gia đình"),
    ("trái quy định", "sai quy định"),
    ("xử lý nghiêm", "xử lý theo quy định của pháp luật"),
)


def _typo(r: random.Random, text: str) -> str:
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = r.choice(candidates)
    w = words[i]
    j = r.randint(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def write_content(r: random.Random, c: Content, *, k: int, tags: list[str]) -> str:
    """The text of the k-th letter on this content (k = 0: the first letter)."""
    details = list(c.details)
    main, request = c.main, c.request
    opening = ""
    if k > 0:
        opening = r.choice(_OPENINGS).format(k=k + 1)
        if r.random() < 0.5 and len(details) > 1:
            details.pop(r.randrange(len(details)))
            tags.append("clause_dropped")
        if r.random() < 0.3:
            r.shuffle(details)
        if c.reference and r.random() < 0.15:
            main = main.replace(c.reference, "quyết định")
            tags.append("reference_omitted")
    keep = r.randint(1, len(details)) if details else 0
    body = f"{main}, {', '.join(details[:keep])}." if keep else f"{main}."
    text = " ".join(x for x in (opening, body, f"{request}.") if x)
    if k > 0:
        for _ in range(r.randint(0, 3)):
            a, b = r.choice(_SWAPS)
            if r.random() < 0.5:
                a, b = b, a
            if a in text:
                text = text.replace(a, b)
                tags.append("reworded")
    if r.random() < (0.12 if k else 0.04):
        text = unidecode(text)
        tags.append("content_no_diacritics")
    if r.random() < 0.08:
        text = _typo(r, text)
        tags.append("typo")
    return text


def write_name(r: random.Random, p: Person, tags: list[str]) -> str:
    roll = r.random()
    if roll < 0.12:
        tags.append("name_no_diacritics")
        return unidecode(p.name)
    if roll < 0.22:
        tags.append("name_swapped")
        return f"{p.given} {p.surname} {p.middle}"
    if roll < 0.27:
        tags.append("name_upper")
        return p.name.upper()
    if roll < 0.31:
        tags.append("middle_name_left_out")
        return f"{p.surname} {p.given}"
    return p.name


def write_address(r: random.Random, p: Person, tags: list[str]) -> str:
    roll = r.random()
    if roll < 0.05:
        tags.append("address_missing")
        return ""
    house = p.house
    ward, city = f"phường {p.ward}", f"thành phố {CITY}"
    if roll < 0.35:
        tags.append("address_abbreviated")
        house = house.replace("Số ", "").replace("đường ", "").replace("Tổ dân phố", "TDP")
        ward = r.choice([f"P. {p.ward}", f"P.{p.ward}", f"p {p.ward}"])
        city = r.choice([f"TP {CITY}", f"TP. {CITY}", f"Tp.{CITY}", CITY])
    elif roll < 0.45:
        tags.append("address_no_city")
        city = ""
    elif roll < 0.52:
        tags.append("address_no_house")
        house = ""
    text = ", ".join(x for x in (house, ward, city) if x)
    if r.random() < 0.1:
        tags.append("address_no_diacritics")
        text = unidecode(text)
    return text


def write_identity(r: random.Random, p: Person, tags: list[str]) -> str:
    if r.random() >= 0.55:
        return ""
    if r.random() < 0.03:
        i = r.randrange(3, len(p.identity))
        digit = r.choice([d for d in "0123456789" if d != p.identity[i]])
        tags.append("identity_typo")
        return p.identity[:i] + digit + p.identity[i + 1 :]
    return p.identity if r.random() < 0.8 else f"{p.identity[:3]} {p.identity[3:]}"


def write_phone(r: random.Random, p: Person) -> str:
    if r.random() >= 0.35:
        return ""
    if r.random() < 0.3:
        return f"{p.phone[:4]} {p.phone[4:7]} {p.phone[7:]}"
    return p.phone


# --- the labelled set -----------------------------------------------------------------------


@dataclass
class Sender:
    full_name: str
    address: str = ""
    identity_no: str = ""
    phone: str = ""


@dataclass
class Sample:
    """One petition of the set, with its label (the matter) and how it was written."""

    id: int
    matter: int
    kind: str
    received: date
    summary: str
    senders: list[Sender]
    group: str  # what made the matter: original, namesake_exact, neighbour, other_matter...
    tags: list[str] = field(default_factory=list)
    related: int | None = None  # a hard negative: the matter it was made to resemble


_SIZES = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5)
START, SPAN_DAYS = date(2024, 1, 1), 730


class Generator:
    def __init__(self, size: int, seed: int):
        self.r = random.Random(seed)
        self.size = size
        self.samples: list[Sample] = []
        self.matters = 0

    def _content(self, kind: str, person: Person | None, slots: dict | None = None) -> Content:
        if kind == "complaint":
            return complaint(self.r, person, slots)
        if kind == "denunciation":
            return denunciation(self.r, person, slots)
        return feedback(self.r, person, slots)

    def matter(
        self,
        kind: str,
        persons: list[Person],
        content: Content,
        group: str,
        letters: int | None = None,
        related: int | None = None,
    ) -> None:
        r = self.r
        self.matters += 1
        matter = self.matters
        letters = letters or r.choice(_SIZES)
        day = START + timedelta(days=r.randint(0, SPAN_DAYS))
        for k in range(letters):
            if len(self.samples) >= self.size:
                return
            tags: list[str] = []
            senders = []
            for person in persons:
                senders.append(
                    Sender(
                        write_name(r, person, tags),
                        write_address(r, person, tags),
                        write_identity(r, person, tags),
                        write_phone(r, person),
                    )
                )
            if len(senders) > 1 and r.random() < 0.3:
                r.shuffle(senders)
                tags.append("senders_reordered")
            self.samples.append(
                Sample(
                    id=len(self.samples) + 1,
                    matter=matter,
                    kind=kind,
                    received=day,
                    summary=write_content(r, content, k=k, tags=tags),
                    senders=senders,
                    group=group,
                    tags=tags,
                    related=related,
                )
            )
            day += timedelta(days=r.randint(10, 240))

    def run(self) -> list[Sample]:
        r = self.r
        while len(self.samples) < self.size:
            kind = r.choices(["complaint", "denunciation", "feedback"], weights=[55, 20, 25])[0]
            if kind == "denunciation" and r.random() < 0.12:
                content = self._content(kind, None)
                self.matter(kind, [], content, "anonymous")
                continue
            person = new_person(r)
            persons = [person]
            if r.random() < 0.05:
                persons += [new_person(r, ward=person.ward) for _ in range(r.randint(1, 3))]
            slots: dict = {}
            content = self._content(kind, person, slots)
            self.matter(kind, persons, content, "original")
            first = self.matters
            roll = r.random()
            if roll < 0.18:
                # A namesake elsewhere, writing about the same kind of thing.
                other, why = namesake(r, person)
                same_kind = {"template": content.template}
                self.matter(
                    kind, [other], self._content(kind, other, same_kind), why, related=first
                )
            elif roll < 0.23 and kind == "complaint" and content.reference:
                # A neighbour on the same street, against the very same decision.
                other = new_person(r, ward=person.ward, street=person.street)
                same = complaint(
                    r,
                    other,
                    {
                        "template": content.template,
                        "dec": int(content.reference.split("số ")[1].split("/")[0]),
                        "date": content.reference.split("ngày ")[1].split(" ")[0],
                    },
                )
                same.main = same.main.replace(f"phường {other.ward}", f"phường {person.ward}")
                self.matter(kind, [other], same, "neighbour", related=first)
            elif roll < 0.30:
                # The same person, another matter: mostly another subject; sometimes the same
                # subject about another decision or plot (the numbers differ).
                other_kind = kind if r.random() < 0.7 else r.choice(["complaint", "feedback"])
                numbered = ("compensation", "sanction", "discipline", "certificate")
                if other_kind == kind and content.template in numbered and r.random() < 0.25:
                    other_content = self._content(kind, person, {"template": content.template})
                else:
                    other_content = self._content(other_kind, person)
                    for _ in range(10):
                        if other_content.template != content.template:
                            break
                        other_content = self._content(other_kind, person)
                    else:
                        continue
                self.matter(other_kind, persons, other_content, "other_matter", related=first)
        self.samples.sort(key=lambda s: (s.received, s.id))
        return self.samples


def generate(size: int = 1000, seed: int = 2026) -> list[Sample]:
    """`size` labelled petitions, always the same for the same size and seed."""
    return Generator(size, seed).run()
