"""Fixtures shared by every test: signing keys and a way to run the CLI in-process."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
from pathlib import Path

import pytest

from publisher.cli import main
from tests.support.gpg import agents_under

RUNTIME_TESTS = Path(__file__).parent / "runtime"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Worker in workerd (tests/runtime/) is slow as a whole: outside the fast tier."""
    for item in items:
        if item.path.is_relative_to(RUNTIME_TESTS):
            item.add_marker(pytest.mark.slow)


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def r2repo(capsys: pytest.CaptureFixture[str]):
    """Run `r2repo ARGS...` in-process; returns exit code, stdout and stderr."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _generate(directory: Path, name: str, algorithm: str) -> Path:
    assert (
        main(
            [
                "keys",
                "generate",
                "--output-dir",
                str(directory),
                "--name",
                name,
                "--algorithm",
                algorithm,
            ]
        )
        == 0
    )
    return directory


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default key type (RSA 4096): signing-key.asc, key.asc, key.gpg."""
    return _generate(tmp_path_factory.mktemp("keys"), "Test Repo <repo@example.com>", "rsa4096")


@pytest.fixture(scope="session")
def second_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second key (Ed25519), for signing with two keys during a rotation."""
    return _generate(tmp_path_factory.mktemp("keys2"), "Next Key <next@example.com>", "ed25519")


def tree_digest(root: Path) -> str:
    """A checksum of every file's path and bytes under root: equal means untouched."""
    digest = hashlib.sha256()
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module", autouse=True)
def stop_gpg_agents_of_this_module(tmp_path_factory: pytest.TempPathFactory):
    """dnf's and rpm's keyrings in test roots start gpg-agents that outlive the test."""
    yield
    for pid in agents_under(tmp_path_factory.getbasetemp()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


@pytest.fixture(scope="session")
def moto_s3():
    """moto's S3 on 127.0.0.1 for the whole session; credentials and endpoint in os.environ."""
    import os

    from tests.support.s3 import MotoS3, s3_env

    server = MotoS3()
    saved = {name: os.environ.get(name) for name in s3_env(server)}
    os.environ.update(s3_env(server))
    try:
        yield server
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()
