"""README.md's client setup is what routes.snippets produces (the landing page's and the
`.repo` file's source) for the same placeholders: the README cannot drift from them."""

from __future__ import annotations

from routes import snippets
from tests.support.readme import README, marked

# The README's placeholders: the quick start's server, the default repo id and dist.
BASE = "http://127.0.0.1:8787"
KEYRING = snippets.keyring("r2repo")


def only(name: str) -> str:
    found = marked(name)
    assert len(found) == 1, f"README: expected one block marked {name!r}, found {len(found)}"
    return found[0].text


def test_apt_client_block_is_the_landing_pages_key_and_source() -> None:
    block = only("apt-client")
    assert snippets.apt_key(BASE, KEYRING) in block
    assert snippets.apt_line(f"{BASE}/", "bookworm", ["main"], KEYRING) in block


def test_dnf_client_block_fetches_the_published_repo_file() -> None:
    assert snippets.yum_repo_download(BASE, "rpm", "r2repo") in only("dnf-client")


def test_zypper_client_block_is_the_landing_pages() -> None:
    key = f"rpm/{snippets.REPOMD_KEY}"
    assert snippets.zypper(BASE, "rpm", "r2repo", key) in only("zypper-client")


def test_apt_auth_block_keeps_the_scheme_of_the_source() -> None:
    assert only("apt-auth") == snippets.apt_auth("https://pkg.example.com", "ci", "r2r_...") + "\n"


def test_fingerprint_check_names_the_keyring_the_examples_write() -> None:
    text = README.read_text()
    assert f"gpg --show-keys {KEYRING}" in text
    assert "/usr/share/keyrings/myrepo.gpg" not in text
