import pytest

from routes.ranges import (
    ByteRange,
    MalformedRange,
    RangeNotSatisfiable,
    parse_range_spec,
)


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=10-19", 100, (10, 19)),
        ("bytes=90-200", 100, (90, 99)),  # end past the size is clamped
        ("bytes=99-99", 100, (99, 99)),
        ("bytes=100-", 1000, (100, 999)),
        ("bytes=-5", 100, (95, 99)),
        ("bytes=-100", 100, (0, 99)),
        ("bytes=-500", 100, (0, 99)),  # suffix longer than the file: the whole file as 206
        ("Bytes = 1-2", 10, (1, 2)),
        ("bytes= 3 - 4 ", 10, (3, 4)),
        ("bytes=0-0,", 10, (0, 0)),  # empty list elements do not count
    ],
)
def test_satisfiable(header: str, size: int, expected: tuple[int, int]) -> None:
    assert parse_range_spec(header).resolve(size) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=-",
        "bytes=abc",
        "bytes=1-a",
        "bytes=a-1",
        "bytes=5-3",  # last before first: invalid, ignored
        "bytes=+1-2",
        "bytes=0x1-2",
        "bytes=1--2",
        "items=0-9",
        "0-9",
        "bytes=0-1,2-3",  # several ranges: answered with the full 200
        "bytes=1.5-2",
        "bytes=99999999999999999999-",
    ],
)
def test_malformed_is_reported_so_it_can_be_ignored(header: str) -> None:
    with pytest.raises(MalformedRange):
        parse_range_spec(header).resolve(100)


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=100-", 100),
        ("bytes=100-200", 100),
        ("bytes=-0", 100),
        ("bytes=0-", 0),
        ("bytes=-0", 0),
    ],
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as info:
        parse_range_spec(header).resolve(size)
    assert info.value.size == size


def test_suffix_of_empty_file_means_whole_body() -> None:
    assert parse_range_spec("bytes=-5").resolve(0) is None


def test_spec_has_the_r2_shape_before_the_size_is_known() -> None:
    assert parse_range_spec("bytes=10-19") == ByteRange(offset=10, length=10)
    assert parse_range_spec("bytes=10-") == ByteRange(offset=10)
    assert parse_range_spec("bytes=-7") == ByteRange(suffix=7)


def test_resolve() -> None:
    assert ByteRange(offset=3, length=4).resolve(10) == (3, 6)
    assert ByteRange(offset=3, length=40).resolve(10) == (3, 9)
    assert ByteRange(suffix=3).resolve(10) == (7, 9)
    with pytest.raises(RangeNotSatisfiable):
        ByteRange(offset=10).resolve(10)
