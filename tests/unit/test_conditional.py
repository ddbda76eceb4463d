import pytest

from routes.conditional import (
    NO_CONDITIONS,
    Conditions,
    etag_matches_strong,
    etag_matches_weak,
    evaluate,
    http_date,
    if_range_allows,
    parse_http_date,
    validator_second,
)

ETAG = '"abc"'
MODIFIED = 784111777.25  # Sun, 06 Nov 1994 08:49:37 GMT plus a quarter second
DATE = "Sun, 06 Nov 1994 08:49:37 GMT"
EARLIER = "Sun, 06 Nov 1994 08:49:36 GMT"
LATER = "Sun, 06 Nov 1994 08:49:38 GMT"


def check(method: str = "GET", **fields: str) -> int | None:
    return evaluate(Conditions(**fields), ETAG, MODIFIED, method)


def test_http_dates() -> None:
    assert parse_http_date(DATE) == 784111777
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777  # RFC 850
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777  # asctime
    assert parse_http_date("Sun, 06 Nov 1994 09:49:37 +0100") == 784111777
    assert parse_http_date("not a date") is None
    assert parse_http_date("") is None
    assert parse_http_date(f"{DATE}, {LATER}") is None  # a list is ignored
    assert http_date(784111777) == DATE


def test_no_conditions() -> None:
    assert not NO_CONDITIONS
    assert Conditions.from_headers({}) is NO_CONDITIONS
    assert Conditions.from_headers({"if-match": "*"}) == Conditions(if_match="*")
    assert check() is None


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ('"abc"', True),
        ('"x", "abc"', True),
        ('"x","abc"', True),
        ("*", True),
        ('W/"abc"', False),  # strong comparison
        ('"abcd"', False),
        ('"ab"', False),
        ("", False),
        ('"a,b", "abc"', True),  # a comma inside a tag
    ],
)
def test_strong(field: str, expected: bool) -> None:
    assert etag_matches_strong(field, ETAG) is expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [('"abc"', True), ('W/"abc"', True), ('"x", W/"abc"', True), ("*", True), ('"x"', False)],
)
def test_weak(field: str, expected: bool) -> None:
    assert etag_matches_weak(field, ETAG) is expected
    assert etag_matches_weak(field, "W/" + ETAG) is expected


def test_if_match() -> None:
    assert check(if_match=ETAG) is None
    assert check(if_match="*") is None
    assert check(if_match='"other"') == 412
    assert check(if_match='W/"abc"') == 412


def test_validator_second_rounds_up() -> None:
    assert validator_second(MODIFIED) == parse_http_date(LATER)
    assert validator_second(784111777.0) == parse_http_date(DATE)


def test_if_unmodified_since() -> None:
    assert check(if_unmodified_since=DATE) == 412  # a quarter second later than the date
    assert check(if_unmodified_since=LATER) is None
    assert check(if_unmodified_since=EARLIER) == 412
    assert check(if_unmodified_since="garbage") is None  # invalid dates are ignored


def test_if_match_wins_over_if_unmodified_since() -> None:
    assert check(if_match=ETAG, if_unmodified_since=EARLIER) is None
    assert check(if_match='"x"', if_unmodified_since=LATER) == 412


def test_if_none_match() -> None:
    assert check(if_none_match=ETAG) == 304
    assert check(if_none_match='W/"abc"') == 304
    assert check(if_none_match='"x", "abc"') == 304
    assert check(if_none_match="*") == 304
    assert check("HEAD", if_none_match=ETAG) == 304
    assert check(if_none_match='"x"') is None
    assert check("DELETE", if_none_match=ETAG) == 412  # unsafe methods fail instead


def test_if_modified_since() -> None:
    assert check(if_modified_since=DATE) is None  # written a quarter second after it
    assert check(if_modified_since=LATER) == 304
    assert check(if_modified_since=EARLIER) is None
    assert check(if_modified_since="Sun, 99 Foo 1994") is None
    assert check("POST", if_modified_since=LATER) is None  # only GET and HEAD


def test_if_modified_since_ignored_when_if_none_match_present() -> None:
    # starlette checks both; RFC 9110 13.1.3: a recipient MUST ignore it when INM is present.
    assert check(if_none_match='"x"', if_modified_since=LATER) is None


def test_412_before_304() -> None:
    assert check(if_match='"x"', if_none_match=ETAG) == 412
    assert check(if_unmodified_since=EARLIER, if_modified_since=LATER) == 412


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (ETAG, True),
        ('"other"', False),
        ('W/"abc"', False),  # a weak tag never validates a range
        (LATER, True),  # the Last-Modified sent: the modification time rounded up
        (DATE, False),  # only an exact match of Last-Modified
        (EARLIER, False),
        ("garbage", False),
    ],
)
def test_if_range(field: str, expected: bool) -> None:
    assert if_range_allows(field, ETAG, MODIFIED) is expected


def test_if_range_with_weak_current_etag() -> None:
    assert not if_range_allows('W/"abc"', 'W/"abc"', MODIFIED)
