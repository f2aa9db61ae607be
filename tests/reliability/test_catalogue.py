"""Every row of the bad-input catalogue ends as its table says, and docs/reliability.md shows the table."""

import pytest

from tests.reliability import catalogue as C


def test_catalogue_size_and_coverage():
    assert len(C.CASES) >= 60
    assert len({c.id for c in C.CASES}) == len(C.CASES)
    assert {c.family for c in C.CASES} >= {"face", "landmarks", "parsing", "timeseries", "recsys", "asr", "tracker",
                                           "gan", "core"}
    accepted = " ".join(c.input for c in C.CASES if c.outcome == "accepted")
    for must in ("CRLF", "BOM", "trailing", "upper-case"):
        assert must in accepted


@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_case(case, tmp_path):
    C.outcome(case, tmp_path)


def test_reliability_page_is_current(tmp_path):
    """The page's table is what the cases print now (regenerate: python -m tests.reliability.catalogue)."""
    page = C.DOC.read_text()
    assert C.START in page and C.END in page
    assert C.replace_section(page, C.render(tmp_path)) == page
