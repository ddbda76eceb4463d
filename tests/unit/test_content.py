import pytest

from routes.content import IMMUTABLE, cache_control_for, content_type_for


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("pool/main/h/hello/hello_1.0_amd64.deb", "application/vnd.debian.binary-package"),
        ("pool/main/h/hello/hello_1.0_amd64.udeb", "application/vnd.debian.binary-package"),
        ("rpm/x86_64/hello-1.0-1.x86_64.rpm", "application/x-rpm"),
        ("dists/x/main/binary-amd64/Packages.gz", "application/gzip"),
        ("dists/x/main/binary-amd64/Packages.xz", "application/x-xz"),
        ("repodata/abc-primary.xml.zst", "application/zstd"),
        ("repodata/repomd.xml", "application/xml"),
        ("repodata/repomd.xml.asc", "application/pgp-signature"),
        ("repodata/repomd.xml.key", "application/pgp-keys"),
        ("key.asc", "application/pgp-keys"),
        ("archive-key.asc", "application/pgp-keys"),
        ("r2repo.key", "application/pgp-keys"),
        ("dists/x/Release.gpg", "application/pgp-signature"),
        ("dists/x/Release.asc", "application/pgp-signature"),
        ("r2repo-archive-keyring.gpg", "application/pgp-keys"),
        ("dists/x/InRelease", "text/plain; charset=utf-8"),
        ("dists/x/Release", "text/plain; charset=utf-8"),
        ("dists/x/main/binary-amd64/Release", "text/plain; charset=utf-8"),
        ("dists/x/main/binary-amd64/Packages", "text/plain; charset=utf-8"),
        ("dists/x/main/i18n/Translation-en", "text/plain; charset=utf-8"),
        ("r2repo.repo", "text/plain; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("README", "application/octet-stream"),
        ("blob.bin", "application/octet-stream"),
        (".hidden", "application/octet-stream"),
    ],
)
def test_content_type(key: str, expected: str) -> None:
    assert content_type_for(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        "pool/main/h/hello/hello_1.0_amd64.deb",
        "pool/main/h/hello/hello_1.0.dsc",
        "debian/pool/main/h/hello/hello_1.0.tar.xz",
        "dists/x/main/binary-amd64/by-hash/SHA256/" + "a" * 64,
        "repodata/" + "0123456789abcdef" * 4 + "-primary.xml.gz",
        "el9/repodata/" + "f" * 64 + "-filelists.xml.zst",
        "rpm/x86_64/hello-1.0-1.x86_64.rpm",
        "packages/hello.deb",
    ],
)
def test_immutable(key: str) -> None:
    assert cache_control_for(key) == IMMUTABLE


@pytest.mark.parametrize(
    "key",
    [
        "dists/x/InRelease",
        "dists/x/Release",
        "dists/x/Release.gpg",
        "dists/x/main/binary-amd64/Release",
        "dists/x/main/binary-amd64/Packages",
        "dists/x/main/binary-amd64/Packages.gz",
        "dists/x/main/source/Sources.xz",
        "repodata/repomd.xml",
        "repodata/repomd.xml.asc",
        "repodata/repomd.xml.key",
    ],
)
def test_entry_points_are_short(key: str) -> None:
    assert cache_control_for(key) == "public, max-age=60, must-revalidate"
    assert cache_control_for(key, entry_ttl=30) == "public, max-age=30, must-revalidate"


@pytest.mark.parametrize(
    "key",
    [
        "r2repo.repo",
        "index.html",
        "repodata/primary.xml.gz",  # not content-addressed
        "repodata/abc-primary.xml.gz",  # too short to be a hash
        "poolside/x.txt",
        "my-by-hash/x",
    ],
)
def test_other_files(key: str) -> None:
    assert cache_control_for(key) == "public, max-age=300"
