"""`PACKAGE[=VERSION]` as given to `r2repo remove`, for both repository kinds."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Removal:
    name: str
    version: str | None = None
    architecture: str | None = None

    @classmethod
    def parse(cls, spec: str, architecture: str | None = None) -> Removal:
        name, _, version = spec.partition("=")
        return cls(name, version or None, architecture)

    def matches(self, name: str, versions: Collection[str], arch: str) -> bool:
        """`versions`: every spelling the package answers to (e.g. 1.0, 1.0-1, 2:1.0-1)."""
        return (
            name == self.name
            and (self.version is None or self.version in versions)
            and self.architecture in (None, arch)
        )

    def __str__(self) -> str:
        return self.name + (f"={self.version}" if self.version else "")
