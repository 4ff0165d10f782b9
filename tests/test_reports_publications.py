"""Real published reports of Vietnamese provinces, rebuilt as registers (tests/publications.py):
the app must give every published figure, and every published rate in the publication's own
convention (basis, kinds, rounding). One publication's rate is not the quotient it claims; the
app gives the true one. The Hải Phòng nine months of 2019 is in test_reports_haiphong.py.

The figures are public; each test's docstring cites where they were published."""

from __future__ import annotations

from datetime import date

from complaints.reports import figures as F
from complaints.reports import service
from complaints.reports.periods import date_range, standard_period

from . import publications as P

COMPLAINT, DENUNCIATION, BOTH = ("complaint",), ("denunciation",), ("complaint", "denunciation")


def figures(unit, period, ids, kinds=None) -> dict[str, int]:
    """The figures of one unit; `kinds` narrows them to complaints and/or denunciations."""
    return F.compute_by_unit(ids, [unit.id], period, kinds).get(unit.id, {})


def rate(values, basis: str, rounding: str) -> str:
    """The rate as printed, with a decimal comma."""
    r = F.resolution_rate(values, F.RateSettings(basis=basis, rounding=rounding))
    return str(r).replace(".", ",")


def headline(unit, period, **convention) -> str:
    """The summary's sentence in the publication's convention (basis, kinds, rounding)."""
    report = service.build("summary", unit, period, convention=F.RateSettings(**convention))
    return report.headline


KQGQ = (
    "competent.petitions",
    "competent.cases",
    "competent.cases_carried_over",
    "competent.cases_new",
    "competent.resolved",
    "competent.resolved_petitions",
    "competent.still_open",
    "competent.terminated",
    "competent.outcomes.upheld",
    "competent.outcomes.partly_upheld",
    "competent.outcomes.rejected",
    "competent.outcomes.withdrawn",
)
XLD = (
    "petitions.total",
    "petitions.carried_over",
    "petitions.received",
    "petitions.eligible",
    "petitions.competent",
    "petitions.not_competent",
    "petitions.not_competent.guide",
    "petitions.not_competent.transfer",
    "petitions.not_competent.urge",
    *(f"petitions.by_kind.{k}" for k in ("complaint", "denunciation", "feedback")),
)
TCD = (
    "reception.visits",
    "reception.people",
    "reception.regular.visits",
    "reception.regular.people",
    "reception.leader.visits",
    "reception.leader.people",
    "reception.delegations",
    "reception.delegation_people",
)


def assert_identities(values: dict[str, int]) -> None:
    failing = [c for c in F.check_identities(values, "Tổng cộng") if not c.ok]
    assert not failing, [(c.identity.label, c.left, c.right) for c in failing]


# --- Ninh Thuận, 6 tháng đầu năm 2020 -----------------------------------------------------------

NINH_THUAN = P.Publication(
    "tỉnh Ninh Thuận",
    # The report is dated 09/6/2020; its period is not printed: the first half-year's.
    standard_period("6m", 2020),
    carried_petitions=40,
    received_petitions=1496,
    eligible={"complaint": 196 + 300, "denunciation": 25 + 100, "feedback": 700},
    guide=500,
    transfer=380,
    urge=20,
    # 196 complaint petitions in 180 cases, of which 146 resolved with 160 petitions; 25
    # denunciations in 25 cases, 16 resolved.
    complaint=P.Competence(
        new=180, rejected=120, upheld=20, withdrawn=6, petitions=196, resolved_petitions=160
    ),
    denunciation=P.Competence(new=25, rejected=10, partly_upheld=6),
)


def test_ninh_thuan_first_half_of_2020(db):
    """Thanh tra tỉnh Ninh Thuận, "Kết quả công tác giải quyết khiếu nại, tố cáo 6 tháng đầu năm
    2020" (trích Báo cáo số 84/BC-TTT ngày 09/6/2020), ninhthuan.gov.vn: "tiếp nhận, xử lý 1.536
    đơn (tồn đầu kỳ 40 đơn, tiếp nhận mới 1.496 đơn) ... có 221 đơn (196 khiếu nại, 25 tố cáo)
    thuộc thẩm quyền ... đã giải quyết 176 đơn (160 khiếu nại, 16 tố cáo)/221 đơn, đạt tỷ lệ
    79,63%". The rate is on petitions and truncated: 176/221 = 79,638...; half-up gives 79,64."""
    unit = P.build(db, NINH_THUAN)
    period = NINH_THUAN.period
    xld = figures(unit, period, XLD)
    assert (xld["petitions.total"], xld["petitions.carried_over"]) == (1536, 40)
    assert xld["petitions.received"] == 1496
    kq = figures(unit, period, KQGQ, BOTH)
    assert (kq["competent.petitions"], kq["competent.resolved_petitions"]) == (221, 176)
    by_kind = {k: figures(unit, period, KQGQ, (k,)) for k in BOTH}
    assert by_kind["complaint"]["competent.petitions"] == 196
    assert by_kind["denunciation"]["competent.petitions"] == 25
    assert by_kind["complaint"]["competent.resolved_petitions"] == 160
    assert by_kind["denunciation"]["competent.resolved_petitions"] == 16
    assert rate(kq, "petitions", "truncate_2") == "79,63"
    assert rate(kq, "petitions", "half_up_2") == "79,64"  # why the convention matters
    sentence = headline(unit, period, basis="petitions", kinds="both", rounding="truncate_2")
    assert "là 221 đơn (205 vụ việc), đã giải quyết 176/221 đơn, đạt tỷ lệ 79,63%" in sentence
    assert "nhận và xử lý 1.536 đơn thư các loại" in sentence
    assert_identities({**xld, **kq})


# --- Lâm Đồng, năm 2023 -----------------------------------------------------------------------

LAM_DONG = P.Publication(
    "tỉnh Lâm Đồng",
    standard_period("year", 2023),
    received_petitions=7156,
    eligible={"complaint": 651, "denunciation": 281, "feedback": 4659},
    guide=780,
    transfer=1742,
    urge=183,
    # Resolved petitions by outcome; one petition per case. 359 and 122 within competence.
    complaint=P.Competence(new=359, upheld=11, partly_upheld=10, withdrawn=74, rejected=179),
    denunciation=P.Competence(new=122, upheld=9, partly_upheld=15, withdrawn=11, rejected=70),
)


def test_lam_dong_2023(db):
    """Báo Lâm Đồng, "Toàn tỉnh đã tiếp nhận 7.156 đơn khiếu nại, tố cáo, kiến nghị, phản ảnh"
    (26/02/2024), baolamdong.vn: "năm 2023, toàn tỉnh đã tiếp nhận 7.156 đơn ... 5.591 đơn đủ
    điều kiện xử lý với 651 đơn khiếu nại, 281 đơn tố cáo và 4.659 đơn kiến nghị, phản ảnh ...
    hướng dẫn ... 780 đơn, chuyển ... 1.742 đơn và có 183 đơn đôn đốc ...; tiếp nhận giải quyết
    theo thẩm quyền 2.886 đơn (gồm 359 đơn khiếu nại; 122 đơn tố cáo và 2.405 đơn kiến nghị,
    phản ảnh) ... đã giải quyết 274 đơn khiếu nại và 105 đơn tố cáo; trong đó có 11 đơn khiếu
    nại đúng, 10 đơn khiếu nại đúng một phần, 74 đơn được rút ... và 179 đơn khiếu nại sai; có 9
    đơn tố cáo đúng, 15 đơn tố cáo đúng một phần, 11 đơn tố cáo được rút ... và 70 đơn tố cáo
    sai". No rate is printed; each kind apart on petitions: 274/359 and 105/122."""
    unit = P.build(db, LAM_DONG)
    period = LAM_DONG.period
    xld = figures(unit, period, XLD)
    assert xld["petitions.total"] == xld["petitions.received"] == 7156
    assert xld["petitions.eligible"] == 5591
    assert [xld[f"petitions.by_kind.{k}"] for k in ("complaint", "denunciation")] == [651, 281]
    assert xld["petitions.by_kind.feedback"] == 4659
    assert [xld[f"petitions.not_competent.{o}"] for o in ("guide", "transfer", "urge")] == [
        780,
        1742,
        183,
    ]
    assert xld["petitions.competent"] == 2886
    kn, tc = (figures(unit, period, KQGQ, k) for k in (COMPLAINT, DENUNCIATION))
    assert (kn["competent.petitions"], kn["competent.resolved_petitions"]) == (359, 274)
    assert (tc["competent.petitions"], tc["competent.resolved_petitions"]) == (122, 105)
    outcomes = ("upheld", "partly_upheld", "withdrawn", "rejected")
    assert [kn[f"competent.outcomes.{o}"] for o in outcomes] == [11, 10, 74, 179]
    assert [tc[f"competent.outcomes.{o}"] for o in outcomes] == [9, 15, 11, 70]
    assert (rate(kn, "petitions", "half_up_2"), rate(tc, "petitions", "half_up_2")) == (
        "76,32",
        "86,07",
    )
    sentence = headline(unit, period, basis="petitions", kinds="each", rounding="half_up_2")
    assert (
        "khiếu nại: đã giải quyết 274/359 đơn, đạt tỷ lệ 76,32%; "
        "tố cáo: đã giải quyết 105/122 đơn, đạt tỷ lệ 86,07%;"
    ) in sentence
    assert "nhận và xử lý 7.156 đơn thư các loại" in sentence
    assert_identities(xld)
    assert_identities(kn)
    assert_identities(tc)


# --- Hà Nam and Tuyên Quang, 1/8/2018 - 31/7/2019 (kỳ họp thứ 8 của Quốc hội) -----------------

REPORTING_YEAR_2019 = date_range(date(2018, 8, 1), date(2019, 7, 31))

HA_NAM = P.Publication(
    "tỉnh Hà Nam",
    REPORTING_YEAR_2019,
    regular=P.Reception(visits=4294, people=5000),
    received_petitions=1977,
    eligible={"complaint": 200, "denunciation": 154, "feedback": 795},
    guide=100,
    transfer=300,
    urge=20,
    # 92 cases: 85 resolved (7 withdrawn), 7 still open (3 complaints, 4 denunciations).
    complaint=P.Competence(carried=10, new=40, rejected=30, upheld=10, withdrawn=7),
    denunciation=P.Competence(carried=5, new=37, rejected=30, partly_upheld=8),
)


def test_ha_nam_reporting_year_2019(db):
    """Báo Thanh tra, "Hà Nam kiến nghị xử lý hành chính 6 người" (thanhtra.com.vn, bài
    152574): "từ ngày 1/8/2018 đến ngày 31/7/2019, toàn tỉnh Hà Nam đã tiếp 4.294 lượt công dân
    ... đã tiếp nhận 1.977 đơn thư các loại ... 1.149 đơn đủ điều kiện xử lý (trong đó có 354 đơn
    khiếu nại, tố cáo, 795 đơn kiến nghị, phản ánh; có 92 vụ việc khiếu nại, tố cáo thuộc thẩm
    quyền ...) ... đã giải quyết 85/92 vụ việc ... (đạt tỷ lệ 92,4%). Trong 85 vụ việc đã giải
    quyết, có 7 vụ việc ... tự nguyện rút đơn ... còn 7 vụ việc (khiếu nại 3 vụ, tố cáo 4 vụ)".
    The rate is on cases, one decimal: 85/92 = 92,39..."""
    unit = P.build(db, HA_NAM)
    period = HA_NAM.period
    tcd = figures(unit, period, TCD)
    assert tcd["reception.visits"] == 4294
    xld = figures(unit, period, XLD)
    assert (xld["petitions.total"], xld["petitions.eligible"]) == (1977, 1149)
    assert xld["petitions.by_kind.complaint"] + xld["petitions.by_kind.denunciation"] == 354
    assert xld["petitions.by_kind.feedback"] == 795
    kq = figures(unit, period, KQGQ, BOTH)
    assert (kq["competent.cases"], kq["competent.resolved"]) == (92, 85)
    assert kq["competent.outcomes.withdrawn"] == 7
    assert kq["competent.still_open"] == 7
    kn, tc = (figures(unit, period, KQGQ, k) for k in (COMPLAINT, DENUNCIATION))
    assert (kn["competent.still_open"], tc["competent.still_open"]) == (3, 4)
    assert rate(kq, "cases", "half_up_1") == "92,4"
    sentence = headline(unit, period, basis="cases", kinds="both", rounding="half_up_1")
    assert "đã tiếp 4.294 lượt" in sentence and "nhận và xử lý 1.977 đơn" in sentence
    assert (
        "92 vụ việc, đã giải quyết 85 vụ việc, đạt tỷ lệ 92,4%, còn 7 vụ việc đang giải quyết."
    ) in sentence
    assert_identities({**tcd, **xld, **kq})


TUYEN_QUANG = P.Publication(
    "tỉnh Tuyên Quang",
    REPORTING_YEAR_2019,
    received_petitions=3667,
    eligible={"complaint": 76, "denunciation": 143, "feedback": 3321 - 219},
    guide=1000,
    transfer=1500,
    urge=100,
    complaint=P.Competence(carried=12, new=40, upheld=7, rejected=19, partly_upheld=6),
    denunciation=P.Competence(carried=8, new=70, upheld=12, rejected=37, partly_upheld=14),
)


def test_tuyen_quang_reporting_year_2019(db):
    """Báo Thanh tra, "Tuyên Quang: bảo vệ quyền lợi cho 69 cá nhân qua giải quyết KN, TC"
    (tintuc.vn): "Từ ngày 1/8/2018 đến 31/7/2019, các cơ quan hành chính tỉnh Tuyên Quang đã
    tiếp 3.938 lượt công dân với 3.092 người; trong đó tiếp thường xuyên 2.383 lượt với 1.855
    người; tiếp định kỳ và đột xuất của lãnh đạo 1.555 lượt với 1.237 người. Toàn tỉnh tiếp nhận
    3.667 đơn, trong đó đơn lưu ... là 346 đơn; đơn có đủ điều kiện xử lý là 3.321 đơn ... Đã giải
    quyết xong 32/52 vụ việc KN, 63/78 vụ việc TC thuộc thẩm quyền. Trong đó, có 7 vụ KN, 12 vụ
    TC đúng; 19 vụ KN, 37 vụ TC sai; 6 vụ việc KN, 14 vụ TC có đúng một phần." Each kind apart, on
    cases; the period spans the change from the 2011 to the 2018 denunciation law.

    The reception figures are not rebuilt: the province counts fewer people (1.855) than visits
    (2.383), i.e. each person once however often they came, whereas form 01/TCD and the app count
    the people of each visit (a delegation of 14 is 14 people), so that people >= visits."""
    unit = P.build(db, TUYEN_QUANG)
    period = TUYEN_QUANG.period
    xld = figures(unit, period, XLD)
    assert (xld["petitions.total"], xld["petitions.eligible"]) == (3667, 3321)
    assert xld["petitions.total"] - xld["petitions.eligible"] == 346
    kn, tc = (figures(unit, period, KQGQ, k) for k in (COMPLAINT, DENUNCIATION))
    assert (kn["competent.resolved"], kn["competent.cases"]) == (32, 52)
    assert (tc["competent.resolved"], tc["competent.cases"]) == (63, 78)
    outcomes = ("upheld", "rejected", "partly_upheld")
    assert [kn[f"competent.outcomes.{o}"] for o in outcomes] == [7, 19, 6]
    assert [tc[f"competent.outcomes.{o}"] for o in outcomes] == [12, 37, 14]
    assert (rate(kn, "cases", "half_up_2"), rate(tc, "cases", "half_up_2")) == ("61,54", "80,77")
    sentence = headline(unit, period, basis="cases", kinds="each", rounding="half_up_2")
    assert (
        "khiếu nại: đã giải quyết 32/52 vụ việc, đạt tỷ lệ 61,54%; "
        "tố cáo: đã giải quyết 63/78 vụ việc, đạt tỷ lệ 80,77%;"
    ) in sentence
    assert_identities(xld)
    assert_identities(kn)
    assert_identities(tc)


# --- Hải Phòng, 1/8/2018 - 31/7/2019 ----------------------------------------------------------

HAI_PHONG = P.Publication(
    "thành phố Hải Phòng",
    REPORTING_YEAR_2019,
    carried_petitions=302,
    received_petitions=8950 - 302,
    eligible={"complaint": 1500, "denunciation": 978, "feedback": 6687 - 2478},
    guide=223,
    transfer=1467,
    urge=409,
    # 376 petitions in 339 cases: 211 complaints (188 resolved), 128 denunciations (124).
    complaint=P.Competence(
        carried=30, new=181, rejected=111, upheld=5, partly_upheld=6, withdrawn=66, petitions=235
    ),
    denunciation=P.Competence(
        carried=20, new=108, upheld=24, rejected=61, partly_upheld=39, petitions=141
    ),
)


def test_hai_phong_reporting_year_2019(db):
    """Báo Thanh tra, "Hải Phòng trả lại cho người dân 1,4 tỷ đồng" (thanhtra.com.vn, bài
    152694, the series on the year reported to the Quốc hội's 8th session, 1/8/2018 -
    31/7/2019): "Toàn thành phố nhận 8.950 đơn thư các loại (đơn kỳ trước chuyển sang là 302
    đơn). Qua phân loại có 6.687 đơn đủ điều kiện xử lý, trong đó có 2.478 đơn KN, TC, đã chuyển
    đến cơ quan có thẩm quyền 1.467 đơn; có văn bản hướng dẫn 223 đơn; có công văn đôn đốc giải
    quyết 409 đơn. Số đơn thuộc thẩm quyền giải quyết là 376 đơn. Đã giải quyết 188/211 vụ việc
    KN và 124/128 vụ việc TC thuộc thẩm quyền, trong đó giải quyết thông qua giải thích, thuyết
    phục 66 ...; có 5 vụ KN đúng, 111 vụ KN sai, 6 vụ KN có đúng có sai". (The denunciations'
    outcomes as printed add up to 130, not 124; they are not asserted.)"""
    unit = P.build(db, HAI_PHONG, code="HPX", name="UBND thành phố Hải Phòng")
    period = HAI_PHONG.period
    xld = figures(unit, period, XLD)
    assert (xld["petitions.total"], xld["petitions.carried_over"]) == (8950, 302)
    assert xld["petitions.eligible"] == 6687
    assert xld["petitions.by_kind.complaint"] + xld["petitions.by_kind.denunciation"] == 2478
    assert [xld[f"petitions.not_competent.{o}"] for o in ("transfer", "guide", "urge")] == [
        1467,
        223,
        409,
    ]
    kq = figures(unit, period, KQGQ, BOTH)
    assert kq["competent.petitions"] == 376
    kn, tc = (figures(unit, period, KQGQ, k) for k in (COMPLAINT, DENUNCIATION))
    assert (kn["competent.resolved"], kn["competent.cases"]) == (188, 211)
    assert (tc["competent.resolved"], tc["competent.cases"]) == (124, 128)
    assert kn["competent.outcomes.withdrawn"] == 66
    outcomes = ("upheld", "rejected", "partly_upheld")
    assert [kn[f"competent.outcomes.{o}"] for o in outcomes] == [5, 111, 6]
    assert (rate(kn, "cases", "half_up_2"), rate(tc, "cases", "half_up_2")) == ("89,10", "96,88")
    sentence = headline(unit, period, basis="cases", kinds="each", rounding="half_up_2")
    assert "nhận và xử lý 8.950 đơn thư các loại" in sentence
    assert "là 376 đơn, 339 vụ việc;" in sentence
    assert (
        "khiếu nại: đã giải quyết 188/211 vụ việc, đạt tỷ lệ 89,10%; "
        "tố cáo: đã giải quyết 124/128 vụ việc, đạt tỷ lệ 96,88%;"
    ) in sentence
    assert_identities(xld)
    assert_identities(kn)
    assert_identities(tc)


# --- Hưng Yên, 1/2014 - 12/2016: denunciations under the 2011 law ----------------------------

HUNG_YEN = P.Publication(
    "tỉnh Hưng Yên",
    date_range(date(2014, 1, 1), date(2016, 12, 31)),
    received_petitions=1142 + 50,
    eligible={"denunciation": 1142},
    guide=400,
    transfer=600,
    urge=65,
    denunciation=P.Competence(new=77, rejected=50, upheld=10, partly_upheld=6),
)


def test_hung_yen_denunciations_2014_2016(db):
    """ "Đoàn khảo sát của Ủy ban Pháp luật của Quốc hội làm việc tại Hưng Yên"
    (huyenuyphucu.vn): "từ tháng 1.2014 đến tháng 12.2016, toàn tỉnh tiếp nhận 1.142 đơn tố cáo.
    Trong tổng số đơn nhận được, có 77 đơn thuộc thẩm quyền giải quyết của tỉnh. Đến nay đã giải
    quyết 66 đơn (đạt 85,71%), còn 11 đơn đang thụ lý giải quyết." Denunciations only, on
    petitions: 66/77 = 85,714..."""
    unit = P.build(db, HUNG_YEN)
    period = HUNG_YEN.period
    xld = figures(unit, period, XLD)
    assert xld["petitions.by_kind.denunciation"] == 1142
    tc = figures(unit, period, KQGQ, DENUNCIATION)
    assert (tc["competent.petitions"], tc["competent.resolved_petitions"]) == (77, 66)
    assert tc["competent.still_open"] == 11
    assert rate(tc, "petitions", "half_up_2") == "85,71"
    sentence = headline(unit, period, basis="petitions", kinds="denunciation", rounding="half_up_2")
    assert (
        "số vụ việc tố cáo thuộc thẩm quyền" in sentence
        and "khiếu nại" not in sentence.split("thuộc thẩm quyền")[1]
    )
    assert (
        "là 77 đơn (77 vụ việc), đã giải quyết 66/77 đơn, đạt tỷ lệ 85,71%, "
        "còn 11 vụ việc đang giải quyết."
    ) in sentence
    assert_identities(tc)


# --- Nghệ An, năm 2021: a published rate that is not its quotient ----------------------------

NGHE_AN = P.Publication(
    "tỉnh Nghệ An",
    standard_period("year", 2021),
    regular=P.Reception(visits=6353, people=7000),
    received_petitions=8722,
    eligible={"complaint": 1000, "denunciation": 600, "feedback": 7081 - 1600},
    guide=1500,
    transfer=3000,
    urge=200,
    # 316 cases: 25 carried over, 291 new; 238 resolved.
    complaint=P.Competence(carried=15, new=191, rejected=120, upheld=20, partly_upheld=15),
    denunciation=P.Competence(carried=10, new=100, rejected=60, upheld=13, partly_upheld=10),
)


def test_nghe_an_2021_true_rate(db):
    """Báo Nghệ An, "Tập trung rà soát, tham mưu giải quyết dứt điểm các vụ việc tồn đọng, phức
    tạp" (baonghean.vn, 12/2021): "đã tiếp 6.353 lượt công dân ... 8.722 đơn ... đơn đủ điều kiện
    xử lý 7.081 đơn ... Số vụ việc khiếu nại, tố cáo phát sinh trong kỳ 291 vụ việc ... đã giải
    quyết được 238/316 vụ việc, đạt tỷ lệ 88,9%, còn lại 35 vụ việc đang ...". 238/316 is 75,32%
    (no rounding of it gives 88,9), and 316 - 238 = 78 cases, not 35, are left: the app gives
    the true rate from the same registers."""
    unit = P.build(db, NGHE_AN)
    period = NGHE_AN.period
    assert figures(unit, period, TCD)["reception.visits"] == 6353
    xld = figures(unit, period, XLD)
    assert (xld["petitions.total"], xld["petitions.eligible"]) == (8722, 7081)
    kq = figures(unit, period, KQGQ, BOTH)
    assert (kq["competent.cases_new"], kq["competent.cases"], kq["competent.resolved"]) == (
        291,
        316,
        238,
    )
    assert rate(kq, "cases", "half_up_2") == "75,32"
    assert rate(kq, "cases", "half_up_1") == "75,3"
    assert kq["competent.still_open"] == 78
    sentence = headline(unit, period, basis="cases", kinds="both", rounding="half_up_1")
    assert "316 vụ việc, đã giải quyết 238 vụ việc, đạt tỷ lệ 75,3%, còn 78 vụ việc" in sentence
    assert_identities(kq)


def test_nghe_an_2021_published_figures_are_flagged_by_the_check(db):
    """The same publication typed into the check of a report a unit sent (reports/checking.py):
    its rate is flagged with the true quotient, and its cases do not add up."""
    from complaints.reports import checking
    from complaints.reports.layouts import LAYOUTS

    unit = P.build(db, NGHE_AN)
    kq = figures(unit, NGHE_AN.period, KQGQ, BOTH)
    layout = LAYOUTS["01-KQGQ"]
    published = {
        "competent.cases_carried_over": "25",
        "competent.cases_new": "291",
        "competent.cases": "316",
        "competent.resolved": "238",
        "competent.still_open": "35",
        "competent.resolution_rate": "88,9",
    }
    # Without a figure of cases ended otherwise (đình chỉ), the identity cannot be checked;
    # the publication names none, so the inspector types 0, and the cases do not add up.
    entered, errors = checking.read_entered(layout, published)
    assert "Vụ việc kỳ trước + thụ lý mới = đã giải quyết + đình chỉ + còn đang giải quyết" in (
        checking.compare(layout, entered, kq).identities_unchecked
    )
    published["competent.terminated"] = "0"
    entered, errors = checking.read_entered(layout, published)
    assert not errors
    true_rate = F.resolution_rate(kq, F.RateSettings(rounding="half_up_1"))
    comparison = checking.compare(layout, entered, kq, true_rate)
    [rate_check] = comparison.rates
    assert rate_check.ok is False
    assert rate_check.message == "88,9% không phải là 238/316 (= 75,32%) theo cách làm tròn nào."
    differing = {line.figure: (line.reported, line.registers) for line in comparison.lines
                 if line.difference}  # fmt: skip
    assert differing["competent.still_open"] == (35, 78)
    assert str(differing["competent.resolution_rate"][1]) == "75.3"
    [broken] = [b for b in comparison.broken if "đang giải quyết" in b.label]
    assert (broken.left_sum, broken.right_sum) == (316, 273)
