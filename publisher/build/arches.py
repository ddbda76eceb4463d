"""Architecture names: one machine, a name per package format."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.errors import BuildError


@dataclass(frozen=True)
class Arch:
    deb: str
    rpm: str
    # Other spellings users type: Go's GOARCH, uname -m.
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.deb, self.rpm, *self.aliases)


ARCHES = (
    Arch("amd64", "x86_64", ("x86-64",)),
    Arch("arm64", "aarch64"),
    Arch("armhf", "armv7hl", ("arm", "armv7", "armv7l")),
    Arch("i386", "i686", ("386", "x86")),
    Arch("ppc64el", "ppc64le"),
    Arch("s390x", "s390x"),
    Arch("riscv64", "riscv64"),
    Arch("all", "noarch"),
)
_BY_NAME = {name: arch for arch in ARCHES for name in arch.names}


def find_arch(name: str) -> Arch:
    """The architecture any of whose names is `name`; BuildError lists the known ones."""
    arch = _BY_NAME.get(name.strip().lower())
    if arch is None:
        known = ", ".join(f"{a.deb}/{a.rpm}" for a in ARCHES)
        raise BuildError(f"architecture {name!r}: unknown (known: {known})")
    return arch
