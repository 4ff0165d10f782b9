"""The search on the databases' own text indexes (issue 15, item 1): the index follows every
write, exact keys come first, the newest next, the total stops at a cap, and the denouncer
rule holds for the keys too. The meaning of a match is tests/test_petitions_search.py's."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core import search_index
from complaints.core.access import Role
from complaints.core.text import fold
from complaints.petitions import operations as ops
from complaints.petitions.models import Petition

from . import factories_petitions as fp
from .factories import UserFactory

pytestmark = pytest.mark.usefixtures("today")


def is_sqlite(db) -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def ids(db, user, term) -> list[int]:
    return [p.id for p in db.session.scalars(ops.search_petitions(user, term))]


@pytest.fixture()
def handler(db, province):
    return UserFactory(unit=province["province"], roles=[Role.petition_handler])


@pytest.fixture()
def verifier(db, province):
    return UserFactory(unit=province["province"], roles=[Role.case_handler])


def test_fts_query_is_a_phrase_of_words_the_last_a_prefix():
    assert search_index.fts_query(["nguyen van a"]) == '"nguyen van a" *'
    assert search_index.fts_query(["hpttr-2026-00042", "x"]) == '"hpttr 2026 00042" * OR "x" *'
    assert search_index.fts_query(['a"b']) == '"a b" *'  # a quote never reaches FTS5
    assert search_index.fts_query(["%%"]) is None  # no word: the LIKE reads the rows
    # PostgreSQL's query of the same words (its index takes the words as FTS5 does)
    assert search_index.ts_query(["nguyen van a"]) == "(nguyen & van & a:*)"
    assert search_index.ts_query(["hpttr-2026-00042", "x"]) == ("(hpttr & 2026 & 00042:*) | (x:*)")
    assert search_index.ts_query(["a'b:*&"]) == "(a & b:*)"  # no operator reaches it
    assert search_index.ts_query(["%%"]) is None
    # and of its pairs of neighbouring words, for a term of several words (migration 0017)
    assert search_index.pair_query(["nguyen thi hoa"]) == "(nguyenthi & thihoa:*)"
    assert search_index.pair_query(["hp-2026", "van a"]) == "(hp2026:*) | (vana:*)"
    assert search_index.pair_query(["nguyen", "van a"]) is None  # a word alone: its words


def test_the_pairs_of_a_text(db):
    """PostgreSQL's complaints_word_pairs, of which the pair indexes are made (0017)."""
    if is_sqlite(db):
        pytest.skip("PostgreSQL's pair index")
    pairs = sa.text("SELECT complaints_word_pairs(:t)")
    assert db.session.scalar(pairs, {"t": "nguyen thi hoa, 0123 | tp-hcm"}) == (
        "nguyenthi thihoa hoa0123 0123tp tphcm"
    )
    assert db.session.scalar(pairs, {"t": "  mot  "}) == ""
    assert db.session.scalar(pairs, {"t": ""}) == ""
    assert db.session.scalar(pairs, {"t": None}) is None


def test_a_phrase_of_common_words_is_found_by_its_pairs(db, province, handler, verifier):
    """The same rows as the LIKE over every row: a phrase found where its words are
    neighbours, not where they stand apart; the denouncer's name never for who may not see
    it."""
    unit = province["province"]
    hoa = fp.PetitionFactory(unit=unit, senders=[("Nguyễn Thị Hoài", "031090000101")])
    apart = fp.PetitionFactory(  # every word, none of the pairs
        unit=unit, senders=[("Thị Nguyễn", "031090000102")], summary="Hoa lấn chiếm lối đi"
    )
    denounced = fp.PetitionFactory(
        unit=unit,
        kind="denunciation",
        senders=[("Nguyễn Thị Hoa", "031090000103")],
        summary="Tố cáo thu tiền sai quy định.",
    )
    assert ids(db, handler, "Nguyễn Thị Hoa") == [denounced.id, hoa.id]
    assert ids(db, verifier, "Nguyễn Thị Hoa") == [hoa.id]
    assert ids(db, handler, "thi hoai") == [hoa.id]
    assert ids(db, handler, "lan chiem loi") == [apart.id]
    assert ids(db, handler, "nguyen hoa") == []
    assert ids(db, handler, "thu tien sai") == [denounced.id]


def test_the_index_follows_registration_edit_and_removal(db, province, handler):
    p = fp.PetitionFactory(unit=province["province"], summary="Tranh chấp ranh giới thửa đất")
    assert ids(db, handler, "ranh gioi") == [p.id]
    p.summary = "Đề nghị cấp lại giấy chứng nhận bị mất"
    ops.refresh_search_text(p)
    db.session.flush()
    assert ids(db, handler, "ranh gioi") == []
    assert ids(db, handler, "giay chung nhan bi mat") == [p.id]
    db.session.delete(p)
    db.session.flush()
    assert ids(db, handler, "giay chung nhan") == []
    if is_sqlite(db):  # the external-content index agrees with the rows
        for fts in search_index.FTS_TABLES.values():
            db.session.execute(
                sa.text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
            )


def test_the_search_reads_the_index(db, province, handler):
    fp.PetitionFactory(unit=province["province"])
    query = ops.search_petitions(handler, "thu hoi dat")
    sql = str(query.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True}))
    if is_sqlite(db):
        plan = " ".join(
            row[3] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")).all()
        )
        assert "petition_fts VIRTUAL TABLE" in plan
        assert "TEMP B-TREE" not in plan  # read newest first from the index, never sorted
        # the last word, a prefix, is read from the prefix indexes (migration 0016)
        for fts in search_index.FTS_TABLES.values():
            made = db.session.scalar(
                sa.text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": fts}
            )
            assert f"prefix='{search_index.FTS_PREFIXES}'" in made
    else:
        names = set(
            db.session.scalars(
                sa.text(
                    "SELECT indexname FROM pg_indexes "
                    "WHERE indexname LIKE '%trgm' OR indexname LIKE '%words'"
                )
            )
        )
        assert names == set(search_index.WORD_INDEXES)  # the words replaced the trigrams
        pairs = db.session.scalars(
            sa.text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%pairs'")
        )
        assert set(pairs) == set(search_index.PAIR_INDEXES)
        # The candidates of a word come from the word indexes, those of a phrase from the pair
        # indexes (on a handful of rows the planner prefers others).
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))

        def plan(term):
            narrowed, _ = search_index.narrow(
                db.session,
                sa.select(Petition.id),
                Petition,
                [fold(term)],
                scope=(sa.true(), sa.true()),
                match=sa.true(),
            )
            sql = narrowed.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
            explain = sa.text("EXPLAIN " + str(sql).replace("%%", "%"))
            return "\n".join(db.session.scalars(explain))

        words, phrase = plan("đất"), plan("thu hồi đất")
        assert "ix_petition_search_words" in words and "ix_petition_public_search_words" in words
        assert "ix_petition_search_pairs" in phrase and "ix_petition_public_search_pairs" in phrase
        assert "_words" not in phrase


def test_a_word_starts_the_match(db, province, handler):
    """The term is found where its first word starts a word of the text; inside a word it
    is not (the FTS5 index holds words): the one difference from reading every row."""
    p = fp.PetitionFactory(unit=province["province"], senders=[("Nguyễn Văn Bình", "031090000777")])
    assert ids(db, handler, "nguyen van bi") == [p.id]
    assert ids(db, handler, "van binh") == [p.id]
    assert ids(db, handler, "031090000777") == [p.id]
    if is_sqlite(db):
        assert ids(db, handler, "guyen van") == []


def test_exact_keys_first_then_the_newest(db, province, handler):
    unit = province["province"]
    owner = fp.PetitionFactory(
        unit=unit, received_date=date(2026, 1, 5), senders=[("Lê Văn Chủ", "031088012345")]
    )
    mention = fp.PetitionFactory(  # newer, and only mentions the number in its summary
        unit=unit,
        received_date=date(2026, 5, 5),
        senders=[("Phạm Thị Dung", "031099000111")],
        summary="Phản ánh việc ông Chủ (CCCD 031088012345) lấn chiếm lối đi.",
    )
    assert ids(db, handler, "031088012345") == [owner.id, mention.id]
    assert ids(db, handler, "031 088 012 345") == [owner.id, mention.id]
    assert ids(db, handler, "lan chiem") == [mention.id]
    newer = fp.PetitionFactory(unit=unit, senders=[("Lê Văn Chủ", "031088012345")])
    assert ids(db, handler, "le van chu") == [newer.id, owner.id]  # newest registered first
    number = mention.register_no
    assert ids(db, handler, number.lower())[0] == mention.id


def test_receipt_code_and_register_number_are_exact_keys(db, province, handler):
    p = fp.PetitionFactory(unit=province["province"])
    ops.refresh_search_text(p)
    db.session.flush()
    for typed in (p.receipt_code.lower(), p.register_no, f" {p.register_no.lower()} "):
        assert ids(db, handler, typed) == [p.id], typed


def test_a_key_never_finds_a_denouncer_for_who_may_not_see_him(db, province, handler, verifier):
    unit = province["province"]
    denounced = fp.PetitionFactory(
        unit=unit,
        kind="denunciation",
        senders=[("Đinh Tố Giác", "031077000999")],
        summary="Tố cáo cán bộ thu tiền sai quy định.",
    )
    plain = fp.PetitionFactory(unit=unit, senders=[("Đinh Tố Giác", "031077000999")])
    assert ids(db, handler, "031077000999") == [plain.id, denounced.id]
    assert ids(db, verifier, "031077000999") == [plain.id]
    assert ids(db, verifier, "dinh to giac") == [plain.id]
    assert ids(db, verifier, denounced.register_no) == [denounced.id]  # its number is public


def _walk_along_the_key(monkeypatch, walk: int | None) -> None:
    """PostgreSQL, with `walk`: the page read along the key, the total counted along the key
    over the newest `walk` rows, and through the index when they hold no more than the cap."""
    if walk:
        monkeypatch.setattr(search_index, "COMMON_SHARE", 0.0)
        monkeypatch.setattr(search_index, "PAGE_PROBE", 1)
        monkeypatch.setattr(search_index, "COUNT_WALK_ROWS", walk)


def _trang_petitions(province, days: int) -> None:
    """One petition of Vũ Văn Trang a day from 01/03/2026, each with its own identity number."""
    for day in range(1, days + 1):
        fp.PetitionFactory(
            unit=province["commune"],
            received_date=date(2026, 3, day),
            senders=[("Vũ Văn Trang", f"03109000{day:04d}")],
        )


@pytest.mark.parametrize(
    "walk", [None, 50_000, 2], ids=["index", "newest-along-the-key", "key-then-index"]
)
def test_the_total_stops_at_the_cap(web, login_as, province, app, monkeypatch, db, walk):
    _walk_along_the_key(monkeypatch, walk)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 3)
    login_as(Role.petition_handler)
    _trang_petitions(province, 5)
    html = web.get("/petitions/search?q=vu+van+trang").get_data(as_text=True)
    assert re.search(r'class="badge">hơn 3<', html)
    assert "Trang 1/2 · hơn 3 kết quả" in html and "05/03/2026" in html
    last = web.get("/petitions/search?q=vu+van+trang&pd=99").get_data(as_text=True)
    assert "Trang 2/2" in last  # no page past the cap
    few = web.get("/petitions/search?q=031090000005").get_data(as_text=True)
    assert 'class="badge">1<' in few
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 10)  # under the cap: the exact total
    html = web.get("/petitions/search?q=vu+van+trang").get_data(as_text=True)
    assert 'class="badge">5<' in html and "Trang 1/3 · 5 kết quả" in html


@pytest.mark.parametrize("walk", [None, 50_000], ids=["index", "newest-along-the-key"])
def test_each_page_counts_a_few_pages_past_itself(
    web, login_as, province, app, monkeypatch, db, walk
):
    """The total is counted SEARCH_PAGES_AHEAD pages past the page shown, so that a common
    name's first page does not walk a thousand matches; the later pages stay reachable and
    count further, up to the cap."""
    _walk_along_the_key(monkeypatch, walk)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 10)
    monkeypatch.setitem(app.config, "SEARCH_PAGES_AHEAD", 1)
    login_as(Role.petition_handler)
    _trang_petitions(province, 7)
    first = web.get("/petitions/search?q=vu+van+trang").get_data(as_text=True)
    assert "Trang 1/2 · hơn 4 kết quả" in first and "07/03/2026" in first
    assert "Có hơn 4 đơn khớp" in first
    third = web.get("/petitions/search?q=vu+van+trang&pd=3").get_data(as_text=True)
    assert "Trang 3/4 · 7 kết quả" in third and "03/03/2026" in third
    last = web.get("/petitions/search?q=vu+van+trang&pd=4").get_data(as_text=True)
    assert "Trang 4/4 · 7 kết quả" in last and "01/03/2026" in last
    assert "02/03/2026" not in last
    past = web.get("/petitions/search?q=vu+van+trang&pd=5").get_data(as_text=True)
    assert "Trang 5 không còn đơn nào." in past and "Về trang đầu" in past  # a way back


def test_a_common_term_reads_the_newest_along_the_key(db, province, handler, monkeypatch):
    """PostgreSQL: a term whose words most rows hold is read newest first along the primary key
    (a GIN index's matches come unordered: all of them were read and sorted), the same rows
    as through the index; its total is counted through the index."""
    if is_sqlite(db):
        pytest.skip("SQLite's FTS5 index reads newest first itself")
    unit = province["province"]
    trang = [
        fp.PetitionFactory(unit=unit, senders=[("Vũ Văn Trang", f"03109000{n:04d}")])
        for n in range(4)
    ]
    fp.PetitionFactory(unit=unit, summary="Ông Vũ đến hỏi; bà Văn Trang vắng.")  # the words apart
    longer = fp.PetitionFactory(unit=unit, senders=[("Vũ Văn Trangg", "031090009999")])
    terms = ["vu van trang", "van tran", "Vũ", "ong vu den", "031090000003"]
    monkeypatch.setattr(search_index, "COMMON_SHARE", 2.0)  # never common: the index
    by_index = {t: ids(db, handler, t) for t in terms}
    assert by_index["vu van trang"] == [longer.id] + [p.id for p in reversed(trang)]
    monkeypatch.setattr(search_index, "COMMON_SHARE", 0.0)  # always common
    monkeypatch.setattr(search_index, "WALK_ROWS", 100)
    monkeypatch.setattr(search_index, "PAGE_PROBE", 1)
    for term in terms:
        query = ops.search_petitions(handler, term)
        assert query.get_execution_options().get(search_index.COUNT_BY) is not None, term
        assert ids(db, handler, term) == by_index[term], term
    # the newest rows hold fewer matches than a page: through the index
    monkeypatch.setattr(search_index, "PAGE_PROBE", 6)
    query = ops.search_petitions(handler, "vu van trang")
    assert search_index.COUNT_BY not in query.get_execution_options()
    assert ids(db, handler, "vu van trang") == by_index["vu van trang"]


def test_common_words_from_the_statistics(db, province):
    """The share of rows holding each word comes from ANALYZE's statistics of the word index,
    the last word as a prefix; a needle is common only if every word is."""
    if is_sqlite(db):
        pytest.skip("PostgreSQL's statistics")
    unit = province["province"]
    for n in range(30):
        fp.PetitionFactory(
            unit=unit,
            senders=[("Đỗ Minh Châu" if n % 2 else "Đỗ Thu Hà", f"03109100{n:04d}")],
            summary="Khiếu nại về bồi thường khi thu hồi đất.",
        )
    db.session.flush()
    db.session.execute(sa.text("ANALYZE petition"))
    common = search_index._is_common
    assert common(db.session, Petition, ["do minh"])  # every row holds "do", half "minh"
    assert common(db.session, Petition, ["boi thuong thu ho"])  # "ho*": "hoi"
    assert not common(db.session, Petition, ["do xyzzy"])  # a word the statistics lack
    assert common(db.session, Petition, ["xyzzy", "thu hoi"])  # one needle is enough
