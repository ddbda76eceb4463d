"""src/worker.py's mapping logic on CPython, with `js` and `pyodide` faked for these tests only."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from routes import ByteRange, Conditions, RangeNotSatisfiable, Request, Response
from routes.conditional import parse_http_date


class JsException(Exception):
    pass


class FakeDate:
    def __init__(self, ms: float) -> None:
        self.ms = ms

    @classmethod
    def new(cls, ms: float) -> FakeDate:
        return cls(ms)

    def getTime(self) -> float:  # noqa: N802 - the JS name
        return self.ms


class FakeHeaders:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    @classmethod
    def new(cls) -> FakeHeaders:
        return cls()

    def append(self, name: str, value: str) -> None:
        self.items.append((name, value))

    def entries(self):
        return [[k, v] for k, v in self.items]

    def __iter__(self):  # a JS Headers iterates [name, value] pairs, names in lower case
        return iter([[k.lower(), v] for k, v in self.items])


class FakeJsObject(dict):
    """What `Object.fromEntries` hands to Python: a proxy whose `to_py` gives a dict."""

    def to_py(self) -> dict:
        return dict(self)


class FakeResponse:
    def __init__(self, body, init) -> None:
        self.body, self.init = body, init

    @classmethod
    def new(cls, body, init=None) -> FakeResponse:
        return cls(body, init)


class FakeR2Object:
    def __init__(self, key: str, size: int, body: object | None = None) -> None:
        self.key, self.size, self.httpEtag = key, size, '"e1"'
        self.uploaded = FakeDate(1_700_000_000_250)
        if body is not None:
            self.body = body


class FakeBinding:
    def __init__(self, result=None, error: str | None = None) -> None:
        self.result, self.error = result, error
        self.calls: list[tuple] = []

    async def get(self, key, options=None):
        self.calls.append((key, options))
        if self.error and options is not None:
            raise JsException(self.error)
        return self.result


class FakeWorkerEntrypoint:
    def __init__(self, ctx: object, env: object) -> None:
        self.ctx, self.env = ctx, env


@pytest.fixture
def worker() -> Iterator[types.ModuleType]:
    js = types.ModuleType("js")
    js.Date, js.Headers, js.Response, js.Request = FakeDate, FakeHeaders, FakeResponse, object
    js.Object = types.SimpleNamespace(fromEntries=lambda pairs: FakeJsObject(list(pairs)))
    js.Uint8Array = object
    js.caches = types.SimpleNamespace(default=None)
    pyodide = types.ModuleType("pyodide")
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsException = JsException
    ffi.to_js = lambda value, dict_converter=None: value
    ffi.create_proxy = lambda value: value
    pyodide.ffi = ffi
    workers = types.ModuleType("workers")  # the SDK's base class, as the runtime gives it
    workers.WorkerEntrypoint = FakeWorkerEntrypoint
    names = ("js", "pyodide", "pyodide.ffi", "workers", "worker")
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update({"js": js, "pyodide": pyodide, "pyodide.ffi": ffi, "workers": workers})
    sys.modules.pop("worker", None)
    try:
        path = Path(__file__).resolve().parents[2] / "src" / "worker.py"
        spec = importlib.util.spec_from_file_location("worker", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["worker"] = module  # dataclasses look their module up while defined
        spec.loader.exec_module(module)
        yield module
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


DATE = "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [
        (ByteRange(offset=10, length=90), {"offset": 10, "length": 90}),
        (ByteRange(offset=5), {"offset": 5}),
        (ByteRange(suffix=100), {"suffix": 100}),
    ],
)
def test_range_mapping(worker, byte_range: ByteRange, expected: dict) -> None:
    assert worker.r2_get_options(byte_range, Conditions()) == {"range": expected}


def test_no_options_without_range_or_conditions(worker) -> None:
    assert worker.r2_get_options(None, Conditions()) == {}


def test_conditions_mapping_follows_rfc_precedence(worker) -> None:
    since = parse_http_date(DATE)
    both = Conditions('"a"', '"b"', DATE, DATE)
    assert worker.r2_get_options(None, both) == {
        "onlyIf": {"etagMatches": "a", "etagDoesNotMatch": "b"}  # R2 throws on quoted ones
    }
    dates = Conditions(None, None, DATE, DATE)
    assert worker.r2_get_options(None, dates) == {
        "onlyIf": {"uploadedBefore": since * 1000 + 1, "uploadedAfter": since * 1000}
    }
    assert worker.r2_get_options(None, Conditions(if_modified_since="garbage")) == {}


@pytest.mark.parametrize(
    ("conditions", "only_if"),
    [
        (Conditions(if_none_match="*"), {"etagDoesNotMatch": "*"}),
        (Conditions(if_none_match='W/"b"'), {"etagDoesNotMatch": "b"}),  # weak comparison
        (Conditions(if_none_match=' "b" '), {"etagDoesNotMatch": "b"}),
        # What R2's object form cannot say is left to routes, with the date it hides.
        (Conditions(if_none_match='"a", "b"', if_modified_since=DATE), None),
        (Conditions(if_match='W/"a"', if_unmodified_since=DATE), None),
        (Conditions(if_match='"a", "b"'), None),
    ],
)
def test_conditions_r2_cannot_take_are_left_to_routes(worker, conditions, only_if) -> None:
    assert worker.r2_get_options(None, conditions).get("onlyIf") == only_if


def test_dates_become_js_dates(worker) -> None:
    options = worker._js_get_options({"onlyIf": {"uploadedAfter": 5, "etagMatches": '"x"'}})
    assert isinstance(options["onlyIf"]["uploadedAfter"], FakeDate)
    assert options["onlyIf"]["etagMatches"] == '"x"'


def test_range_error_10039_is_416(worker) -> None:
    bucket = worker.R2Bucket(
        FakeBinding(error="get: The requested range is not satisfiable (10039)")
    )
    with pytest.raises(RangeNotSatisfiable) as raised:
        asyncio.run(bucket.get("k", ByteRange(offset=99), Conditions()))
    assert raised.value.size is None


def test_object_without_body_is_a_refused_precondition(worker) -> None:
    bucket = worker.R2Bucket(FakeBinding(FakeR2Object("k", 10)))
    stored = asyncio.run(bucket.get("k", None, Conditions(if_none_match='"e1"')))
    assert stored.body is None
    assert stored.meta.etag == '"e1"' and stored.meta.last_modified == 1_700_000_000.25


def test_body_passes_through_untouched_with_its_span(worker) -> None:
    stream = object()
    bucket = worker.R2Bucket(FakeBinding(FakeR2Object("k", 100, stream)))
    stored = asyncio.run(bucket.get("k", ByteRange(suffix=10), Conditions()))
    assert stored.body is stream
    assert stored.range == (90, 99)


def test_unparseable_condition_falls_back_to_routes(worker) -> None:
    binding = FakeBinding(FakeR2Object("k", 4, "stream"), error="bad If-Match (10020)")
    stored = asyncio.run(worker.R2Bucket(binding).get("k", None, Conditions(if_match="???")))
    assert stored.body == "stream"
    assert binding.calls[-1] == ("k", None)


def test_missing_object(worker) -> None:
    assert asyncio.run(worker.R2Bucket(FakeBinding(None)).get("k", None, Conditions())) is None


def test_request_conversion(worker) -> None:
    headers = FakeHeaders()
    headers.append("Range", "bytes=0-1")
    js_request = types.SimpleNamespace(
        url="https://pkg.example.com/dists/x/InRelease?a=1", method="get", headers=headers
    )
    request = worker.to_request(js_request)
    assert request == Request(
        "GET", "/dists/x/InRelease", "a=1", {"range": "bytes=0-1"}, "https://pkg.example.com"
    )


def test_response_conversion(worker) -> None:
    stream = object()
    response = worker.to_js_response(Response(206, [("content-range", "bytes 0-1/9")], stream))
    assert response.body is stream
    assert response.init["status"] == 206
    assert response.init["headers"] == [["content-range", "bytes 0-1/9"]]
    text = worker.to_js_response(Response(404, [], b"Not Found\n"))
    assert text.body == "Not Found\n"
    assert worker.to_js_response(Response(304, [], None)).body is None


def test_settings_from_vars(worker) -> None:
    env = types.SimpleNamespace(REPO_NAME="Acme", SERVE_PREFIX="apt", ENTRY_TTL="30")
    settings = worker.Settings.from_env(env)
    assert settings.config.name == "Acme" and settings.config.entry_ttl == 30
    assert settings.root == "apt" and settings.access_ttl == 10 and settings.edge_cache
    assert worker.Settings.from_env(types.SimpleNamespace(EDGE_CACHE="false")).edge_cache is False


def test_sdk_wrappers_are_unwrapped(worker) -> None:
    raw = object()
    assert worker._raw(types.SimpleNamespace(_env=raw)) is raw
    assert worker._raw(raw) is raw
