"""The APT indexes' exact bytes for a fixed input, pinned before the publisher was optimised.

Packages, its .gz and .xz, the per-component Release and the unsigned top-level Release must
stay byte-identical for the same packages, publish after publish (fresh, then incremental).
Packages and Packages.gz are as they were before the optimisation; Packages.xz (and so the
Release that lists it) changed once, on purpose, when its xz preset went from 6 to 1.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bench.gendeb import deb_bytes, spec

# sha256 of each index after publishing the first 30 generated packages, then 1 more.
PINNED_FRESH = {
    "dists/pin/Release": ("696da26301a5878f9c028cd19770586285735c7fce45ddfa5739f7df814f8b58"),
    "dists/pin/main/binary-amd64/Packages": (
        "830472764c0cb4a3a27a9ca1c666cc93958dd384f17ecd689c10d4be34204301"
    ),
    "dists/pin/main/binary-amd64/Packages.gz": (
        "d44de29f68c4d5d97a72f9960e515103b48ad2a16ee0cfbd853368e61473bf69"
    ),
    "dists/pin/main/binary-amd64/Packages.xz": (
        "f8da32e45f8b369379d47d28f6b11d401ba0232af5f6726f19501e495cb0d984"
    ),
    "dists/pin/main/binary-amd64/Release": (
        "2a691e4c9383d9a3319aef78643a2323a8c53431fe2051493add01bea5486c2f"
    ),
    "dists/pin/main/binary-arm64/Packages": (
        "0eb6b39e5a1ec2780d69a753d26749e6a0d90d2818d189209282a2c8944c6e5d"
    ),
    "dists/pin/main/binary-arm64/Packages.gz": (
        "3b8fac16f117e378f5e0a0bbf4e7a0f74c4f62fb4d83180039f50ce04c7088ba"
    ),
    "dists/pin/main/binary-arm64/Packages.xz": (
        "ecf4357b98327f60e8dc256440bcb17aa0670cfbb9bf83e09232af31f9cef2ff"
    ),
    "dists/pin/main/binary-arm64/Release": (
        "3f163fee1be1dc20c3625818b9d6ae24eb267759243add3e691f10aaf8c03261"
    ),
}
PINNED_INCREMENTAL = {
    "dists/pin/Release": ("c4023e949e8e49a960d2e7867312ffec22ad8a47ac7381c5b6738fe4c2b9862e"),
    "dists/pin/main/binary-amd64/Packages": (
        "7950d0920e808a18de49510ff613415630d3f407077408ad4ccb9498d263a863"
    ),
    "dists/pin/main/binary-amd64/Packages.gz": (
        "42763ec6475b81d37c9de95a72da8f1d7d1bec56905bdca4673163a9d4276494"
    ),
    "dists/pin/main/binary-amd64/Packages.xz": (
        "d4b5aa04d5dbabee8b1f79bf3a4943e5215c5fafcf59c198e87f1e8b3e4411cb"
    ),
    "dists/pin/main/binary-amd64/Release": (
        "2a691e4c9383d9a3319aef78643a2323a8c53431fe2051493add01bea5486c2f"
    ),
    "dists/pin/main/binary-arm64/Packages": (
        "0eb6b39e5a1ec2780d69a753d26749e6a0d90d2818d189209282a2c8944c6e5d"
    ),
    "dists/pin/main/binary-arm64/Packages.gz": (
        "3b8fac16f117e378f5e0a0bbf4e7a0f74c4f62fb4d83180039f50ce04c7088ba"
    ),
    "dists/pin/main/binary-arm64/Packages.xz": (
        "ecf4357b98327f60e8dc256440bcb17aa0670cfbb9bf83e09232af31f9cef2ff"
    ),
    "dists/pin/main/binary-arm64/Release": (
        "3f163fee1be1dc20c3625818b9d6ae24eb267759243add3e691f10aaf8c03261"
    ),
}


def _tree(store: Path) -> dict[str, str]:
    found = {}
    for path in sorted((store / "dists").rglob("*")):
        relative = str(path.relative_to(store))
        signed = relative.endswith(("InRelease", ".gpg"))
        if path.is_file() and "by-hash" not in relative and not signed:
            data = path.read_bytes()
            # The gc record's name holds the wall-clock time of the publish (see gcrecord).
            data = re.sub(rb"(?m)^X-R2repo-Unreferenced: .*\n", b"", data)
            found[relative] = hashlib.sha256(data).hexdigest()
    return found


def _debs(directory: Path, indexes: range) -> list[Path]:
    paths = []
    for index in indexes:
        pkg = spec(index, "pin")
        path = directory / pkg.filename
        path.write_bytes(deb_bytes(pkg))
        paths.append(path)
    return paths


@pytest.fixture
def published(tmp_path, r2repo, key_dir, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    store = tmp_path / "store"
    key = key_dir / "signing-key.asc"

    def publish(paths: list[Path]) -> dict[str, str]:
        result = r2repo("publish", "--store", store, "--dist", "pin", "--signing-key", key, *paths)
        assert result.code == 0, result
        return _tree(store)

    return tmp_path, publish


def test_fresh_then_incremental_indexes_are_byte_identical(published):
    directory, publish = published
    fresh = publish(_debs(directory, range(30)))
    incremental = publish(_debs(directory, range(30, 31)))
    assert fresh == PINNED_FRESH
    assert incremental == PINNED_INCREMENTAL
