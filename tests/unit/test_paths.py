import pytest

from routes.paths import MAX_KEY_BYTES, RejectedPath, is_directory, to_key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/dists/stable/InRelease", "dists/stable/InRelease"),
        ("/pool/main/h/hello/hello_1.0_amd64.deb", "pool/main/h/hello/hello_1.0_amd64.deb"),
        ("/pool/main/libc%2b%2b/a%20b.deb", "pool/main/libc++/a b.deb"),
        ("/pool/main/g++/x.deb", "pool/main/g++/x.deb"),  # + is a plus, not a space
        ("/caf%C3%A9", "café"),
        ("/a..b", "a..b"),
        ("/a.", "a."),
        ("/", ""),
        ("/dists/", "dists/"),
        ("/_r2repox", "_r2repox"),
        ("/x/_r2repox/y", "x/_r2repox/y"),
        # R2 stores keys in NFC: the key checked and read is the one R2 resolves.
        ("/e%CC%81quipe/x", "\u00e9quipe/x"),
        ("/%E2%84%AAernel/x", "Kernel/x"),  # KELVIN SIGN is K in NFC
    ],
)
def test_accepted(path: str, key: str) -> None:
    assert to_key(path) == key


@pytest.mark.parametrize(
    "path",
    [
        "",
        "dists/InRelease",
        "http://example.com/x",
        "/../etc/passwd",
        "/pool/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/etc/passwd",
        "/pool/%2e/x",
        "/pool/./x",
        "/pool/..",
        "/pool/..%2f..%2fetc",
        "/pool/a%2fb",
        "/pool/a%2Fb",
        "/pool/a%5cb",
        "/pool/a\\b",
        "/pool/a%00b",
        "/pool/a\x00b",
        "/pool/a%0ab",
        "//etc/passwd",
        "/pool//x",
        "/.r2repo.lock",
        "/dists/.r2repo-tmp-abc",
        "/.git/config",
        "/%2egit/config",
        "/_r2repo/access.json",
        "/_r2repo/",
        "/_r2repo",
        "/_R2REPO/access.json",  # a case-insensitive file system must not leak it either
        "/%5fr2repo/access.json",
        # A repository in a sub-folder of the served bucket keeps its state private too.
        "/team/_r2repo/access.json",
        "/team/_R2Repo/access.json",
        "/a/b/_r2repo/",
        "/a%zz",
        "/a%",
        "/a%2",
        "/%ff%fe",  # not UTF-8
        "/" + "a" * (MAX_KEY_BYTES + 1),
    ],
)
def test_rejected(path: str) -> None:
    with pytest.raises(RejectedPath):
        to_key(path)


def test_custom_private_prefix() -> None:
    assert to_key("/_r2repo/x", "secret/") == "_r2repo/x"
    with pytest.raises(RejectedPath):
        to_key("/secret/x", "secret/")


def test_is_directory() -> None:
    assert is_directory("")
    assert is_directory("dists/")
    assert not is_directory("dists/InRelease")
