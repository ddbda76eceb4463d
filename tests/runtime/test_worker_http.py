"""The Worker in workerd over HTTP: statuses, headers per path, the edge cache, token auth."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from tests.runtime.conftest import Deployment

DEB = "/pool/main/r/rt-hello/rt-hello_1.0-1_amd64.deb"
SECRET_DEB = "/private/pool/main/r/rt-secret/rt-secret_2.0_amd64.deb"
IMMUTABLE = "public, max-age=31536000, immutable"


def deb_bytes(deployment: Deployment) -> bytes:
    return (deployment.store / DEB[1:]).read_bytes()


def until_cached(deployment: Deployment, path: str, headers: dict[str, str] | None = None):
    """Repeat a GET until the edge cache answers it (the put runs after the response)."""
    deadline = time.monotonic() + 10
    while True:
        status, got, body = deployment.fetch(path, headers=headers)
        if got.get("x-r2repo-cache") == "HIT" or time.monotonic() > deadline:
            return status, got, body
        time.sleep(0.2)


def test_full_get_and_head(deployment: Deployment) -> None:
    data = deb_bytes(deployment)
    status, headers, body = deployment.fetch(DEB, headers={"Cache-Control": "no-cache"})
    assert status == 200
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    assert headers["content-type"] == "application/vnd.debian.binary-package"
    assert headers["cache-control"] == IMMUTABLE
    assert headers["etag"].startswith('"') and headers["accept-ranges"] == "bytes"
    head_status, head_headers, head_body = deployment.fetch(DEB, "HEAD")
    assert (head_status, head_body) == (200, b"")
    assert head_headers["etag"] == headers["etag"]
    assert head_headers["content-length"] == str(len(data))


@pytest.mark.parametrize(
    ("path", "content_type", "cache_control"),
    [
        ("/dists/stable/InRelease", "text/plain; charset=utf-8", "max-age=60, must-revalidate"),
        ("/dists/stable/Release.gpg", "application/pgp-signature", "max-age=60, must-revalidate"),
        ("/dists/stable/main/binary-amd64/Packages.gz", "application/gzip", "max-age=60"),
        ("/rpm/repodata/repomd.xml", "application/xml", "max-age=60, must-revalidate"),
        ("/key.asc", "application/pgp-keys", "public, max-age=300"),
        ("/key.gpg", "application/pgp-keys", "public, max-age=300"),
    ],
)
def test_headers_per_path(
    deployment: Deployment, path: str, content_type: str, cache_control: str
) -> None:
    status, headers, body = deployment.fetch(path)
    assert status == 200
    assert body == (deployment.store / path[1:]).read_bytes()
    assert headers["content-type"] == content_type
    assert cache_control in headers["cache-control"]


def test_by_hash_and_rpm_are_immutable(deployment: Deployment) -> None:
    by_hash = sorted((deployment.store / "dists/stable/main/binary-amd64/by-hash/SHA512").iterdir())
    status, headers, _ = deployment.fetch("/" + str(by_hash[0].relative_to(deployment.store)))
    assert (status, headers["cache-control"]) == (200, IMMUTABLE)
    rpm = next((deployment.store / "rpm").rglob("*.rpm"))
    status, headers, _ = deployment.fetch("/" + str(rpm.relative_to(deployment.store)))
    assert (status, headers["content-type"], headers["cache-control"]) == (
        200,
        "application/x-rpm",
        IMMUTABLE,
    )


@pytest.mark.parametrize(
    ("range_", "start", "end"), [("bytes=10-99", 10, 99), ("bytes=-100", -100, -1)]
)
def test_range(deployment: Deployment, range_: str, start: int, end: int) -> None:
    data = deb_bytes(deployment)
    size = len(data)
    start, end = start % size, end % size
    status, headers, body = deployment.fetch(
        DEB, headers={"Range": range_, "Cache-Control": "no-cache"}
    )
    assert status == 206
    assert body == data[start : end + 1]
    assert headers["content-range"] == f"bytes {start}-{end}/{size}"


def test_unsatisfiable_range(deployment: Deployment) -> None:
    size = len(deb_bytes(deployment))
    status, headers, _ = deployment.fetch(
        "/dists/stable/main/binary-amd64/Packages", headers={"Range": "bytes=999999-"}
    )
    assert status == 416
    status, headers, _ = deployment.fetch(DEB, headers={"Range": f"bytes={size}-"})
    assert (status, headers["content-range"]) == (416, f"bytes */{size}")


def test_conditionals(deployment: Deployment) -> None:
    path = "/dists/stable/Release"
    _, headers, _ = deployment.fetch(path, "HEAD")
    etag, modified = headers["etag"], headers["last-modified"]
    assert deployment.fetch(path, headers={"If-None-Match": etag})[0] == 304
    assert deployment.fetch(path, headers={"If-Modified-Since": modified})[0] == 304
    assert deployment.fetch(path, headers={"If-Match": '"other"'})[0] == 412
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert deployment.fetch(path, headers={"If-Unmodified-Since": old})[0] == 412
    assert deployment.fetch(path, headers={"If-Match": etag})[0] == 200
    assert deployment.fetch(path, headers={"If-None-Match": '"other"'})[0] == 200
    # Fields R2's onlyIf takes as they are (one tag, unquoted by the Worker) and fields it
    # cannot take (lists, weak tags), which the Worker evaluates on what R2 sends.
    weak = "W/" + etag
    assert deployment.fetch(path, headers={"If-None-Match": weak})[0] == 304
    assert deployment.fetch(path, headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert deployment.fetch(path, headers={"If-None-Match": "*"})[0] == 304
    assert deployment.fetch(path, headers={"If-Match": f'"other", {etag}'})[0] == 200
    assert deployment.fetch(path, headers={"If-Match": weak})[0] == 412  # strong comparison
    assert deployment.fetch(path, headers={"If-Match": "*"})[0] == 200
    status, _, body = deployment.fetch(path, headers={"If-None-Match": '"a", "b"'})
    assert status == 200 and body.startswith(b"Origin:")


@pytest.mark.parametrize(
    "path", ["/missing.deb", "/_r2repo/access.json", "/pool/../_r2repo/access.json", "/nothing/"]
)
def test_not_found(deployment: Deployment, path: str) -> None:
    status, _, body = deployment.fetch(path)
    assert status == 404
    assert b"sha256" not in body


def test_method_not_allowed(deployment: Deployment) -> None:
    status, headers, _ = deployment.fetch(DEB, "POST")
    assert (status, headers["allow"]) == (405, "GET, HEAD")
    assert deployment.fetch(DEB, "DELETE")[0] == 405


def test_edge_cache_answers_full_ranges_and_conditionals(deployment: Deployment) -> None:
    data = deb_bytes(deployment)
    assert deployment.fetch(DEB)[0] == 200
    # A query that changes nothing shares the entry.
    status, headers, body = until_cached(deployment, DEB + "?utm_source=x")
    assert (status, headers.get("x-r2repo-cache"), body == data) == (200, "HIT", True)
    status, headers, body = deployment.fetch(DEB, headers={"Range": "bytes=0-9"})
    assert (status, body, headers.get("x-r2repo-cache")) == (206, data[:10], "HIT")
    status, headers, _ = deployment.fetch(DEB, headers={"If-None-Match": headers["etag"]})
    assert (status, headers.get("x-r2repo-cache")) == (304, "HIT")
    status, headers, body = deployment.fetch(DEB, "HEAD")
    assert (status, body, headers.get("x-r2repo-cache")) == (200, b"", "HIT")


def test_error_responses_are_never_cached(deployment: Deployment) -> None:
    for _ in range(3):
        status, headers, _ = deployment.fetch("/missing-twice.deb")
        assert status == 404 and "x-r2repo-cache" not in headers
        time.sleep(0.2)


# ------------------------------------------------------------------------------ auth


def basic(user: str, password: str) -> dict[str, str]:
    value = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


AUTH_CASES = [
    ("no credentials", lambda t: {}, "", 401),
    ("wrong token", lambda t: bearer("r2r_" + "x" * 43), "", 401),
    ("wrong Basic password", lambda t: basic("ci", "nope"), "", 401),
    ("token for another prefix", lambda t: bearer(t["elsewhere"]), "", 403),
    ("expired token", lambda t: bearer(t["expired"]), "", 401),
    ("revoked token", lambda t: bearer(t["revoked"]), "", 401),
    ("Bearer", lambda t: bearer(t["ci"]), "", 200),
    ("Basic, token as password", lambda t: basic("ci", t["ci"]), "", 200),
    ("token in the query string", lambda t: {}, "?token={ci}", 401),
    ("token as access_token", lambda t: {}, "?access_token={ci}", 401),
]


@pytest.mark.parametrize(
    ("case", "headers", "query", "expected"), AUTH_CASES, ids=[c[0] for c in AUTH_CASES]
)
def test_auth_table(deployment: Deployment, case, headers, query, expected) -> None:
    path = SECRET_DEB + query.format(**deployment.tokens)
    status, got, body = deployment.fetch(path, headers=headers(deployment.tokens))
    assert status == expected, (case, body)
    secret = (deployment.store / SECRET_DEB[1:]).read_bytes()
    if expected == 401:
        assert got["www-authenticate"].startswith('Basic realm="')
    if expected == 200:
        assert body == secret
        assert got["cache-control"].startswith("private")
    else:
        assert secret[:64] not in body
        assert got["cache-control"] == "no-store"


def test_private_bytes_never_leave_the_cache_without_a_token(deployment: Deployment) -> None:
    token = bearer(deployment.tokens["ci"])
    secret = (deployment.store / SECRET_DEB[1:]).read_bytes()
    status, headers, body = until_cached(deployment, SECRET_DEB, token)
    assert (status, headers.get("x-r2repo-cache"), body) == (200, "HIT", secret)
    assert headers["cache-control"].startswith("private")
    for headers_ in ({}, bearer("wrong"), basic("ci", "")):
        for method in ("GET", "HEAD"):
            status, got, body = deployment.fetch(SECRET_DEB, method, headers_)
            assert status == 401
            assert "x-r2repo-cache" not in got
            assert secret[:64] not in body
    ranged = {**token, "Range": "bytes=0-3"}
    assert deployment.fetch(SECRET_DEB, headers=ranged)[2] == secret[:4]
    assert deployment.fetch(SECRET_DEB, headers={"Range": "bytes=0-3"})[0] == 401


def test_public_paths_ignore_credentials(deployment: Deployment) -> None:
    assert deployment.fetch("/dists/stable/Release", headers=bearer("wrong"))[0] == 200


def test_revocation_applies_without_redeploy(deployment: Deployment, tmp_path) -> None:
    from publisher.ops.access import create_token, revoke_token
    from publisher.stores.local import LocalStore

    store = LocalStore(deployment.store)
    token, _ = create_token(store, "short-lived", ["private"], None, time.time())
    deployment.worker.put("_r2repo/access.json", deployment.store / "_r2repo/access.json")
    path = "/private/dists/internal/InRelease"
    deadline = time.monotonic() + 10
    while deployment.fetch(path, headers=bearer(token))[0] != 200:
        assert time.monotonic() < deadline, "a new token never started working"
        time.sleep(0.3)
    revoke_token(store, "short-lived")
    deployment.worker.put("_r2repo/access.json", deployment.store / "_r2repo/access.json")
    deadline = time.monotonic() + 10
    while deployment.fetch(path, headers=bearer(token))[0] != 401:
        assert time.monotonic() < deadline, "a revoked token kept working"
        time.sleep(0.3)
