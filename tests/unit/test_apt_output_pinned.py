"""The APT indexes' exact bytes for a fixed input, pinned before the publisher was optimised.

Packages, its .gz and .xz, the per-component Release and the unsigned top-level Release must
stay byte-identical for the same packages, publish after publish (fresh, then incremental).
Packages is as it was before the optimisation; Packages.xz and .gz (and so the Release that
lists them) changed on purpose: xz preset 6 to 1, then to 0 with gzip level 9 to 6, then the
xz check CRC64 to CRC32 (indexpieces reuses blocks whose check it can recompute).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bench.gendeb import deb_bytes, spec

# sha256 of each index after publishing the first 30 generated packages, then 1 more.
PINNED_FRESH = {
    "dists/pin/Release": ("78cf30e7dfa855144c012b212e4278be05e78108c3f7eb875ea3b1c1dcc0092e"),
    "dists/pin/main/binary-amd64/Packages": (
        "830472764c0cb4a3a27a9ca1c666cc93958dd384f17ecd689c10d4be34204301"
    ),
    "dists/pin/main/binary-amd64/Packages.gz": (
        "5c587e79248283c5e25457a17cec6f38ff7dcf46e96626a20be152d243b98032"
    ),
    "dists/pin/main/binary-amd64/Packages.xz": (
        "dcbc36f39bf3b078083f1a710dbdf00078d2d18810908ed11418364beee84f01"
    ),
    "dists/pin/main/binary-amd64/Release": (
        "2a691e4c9383d9a3319aef78643a2323a8c53431fe2051493add01bea5486c2f"
    ),
    "dists/pin/main/binary-arm64/Packages": (
        "0eb6b39e5a1ec2780d69a753d26749e6a0d90d2818d189209282a2c8944c6e5d"
    ),
    "dists/pin/main/binary-arm64/Packages.gz": (
        "3502e86302146af23252ba73c1b2a52f6c9f8bd1dc12f3518e20590ff719c76b"
    ),
    "dists/pin/main/binary-arm64/Packages.xz": (
        "0d8f1c13aca4aa3059296fb6d9f2d8ad7d74cc0f0858dd9fba427d4e93dcf05e"
    ),
    "dists/pin/main/binary-arm64/Release": (
        "3f163fee1be1dc20c3625818b9d6ae24eb267759243add3e691f10aaf8c03261"
    ),
}
PINNED_INCREMENTAL = {
    "dists/pin/Release": ("0ccf2f028a7a3244e314ea58944a24f81f91f17147d77fdf80283f595b5ca6ef"),
    "dists/pin/main/binary-amd64/Packages": (
        "7950d0920e808a18de49510ff613415630d3f407077408ad4ccb9498d263a863"
    ),
    "dists/pin/main/binary-amd64/Packages.gz": (
        "2e37a3311f54ba291975b7eaec780816ad4eedbeeb1b66ba7a4737ef3da4ab29"
    ),
    "dists/pin/main/binary-amd64/Packages.xz": (
        "1f4f4cde38d4a58320d4db5afc02c24387976f026c60ffdbb97564044c23b4bb"
    ),
    "dists/pin/main/binary-amd64/Release": (
        "2a691e4c9383d9a3319aef78643a2323a8c53431fe2051493add01bea5486c2f"
    ),
    "dists/pin/main/binary-arm64/Packages": (
        "0eb6b39e5a1ec2780d69a753d26749e6a0d90d2818d189209282a2c8944c6e5d"
    ),
    "dists/pin/main/binary-arm64/Packages.gz": (
        "3502e86302146af23252ba73c1b2a52f6c9f8bd1dc12f3518e20590ff719c76b"
    ),
    "dists/pin/main/binary-arm64/Packages.xz": (
        "0d8f1c13aca4aa3059296fb6d9f2d8ad7d74cc0f0858dd9fba427d4e93dcf05e"
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
            # The gc record's and the history entry's names hold the wall-clock time of the
            # publish (and who published): r2repo's own fields, not the index's content.
            data = re.sub(rb"(?m)^X-R2repo-(Unreferenced|History): .*\n", b"", data)
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
