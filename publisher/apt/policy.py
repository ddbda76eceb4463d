"""What Debian Policy allows in a package's name, version, source and architecture: the checks
a .deb passes before its fields become a pool path, shared with `r2repo build`. No heavy imports
(python-debian stays unloaded for a build)."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Debian Policy 5.6.1 (Package) and 5.6.12 (Version); dpkg refuses a version not led by a digit.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
VERSION_RE = re.compile(
    r"^(?:(?P<epoch>[0-9]+):)?(?P<upstream>[0-9][A-Za-z0-9.+~-]*?)(?:-(?P<revision>[A-Za-z0-9.+~]+))?$"
)
ARCH_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
REQUIRED_FIELDS = ("Package", "Version", "Architecture")


def source_name(control: Mapping[str, str]) -> str:
    # "Source: foo (1.2-3)" names a source whose version differs from the binary's.
    source = control.get("Source", "").split(" ", 1)[0].strip()
    return source or control["Package"]


def validate_version(version: str) -> str | None:
    """The reason `version` is not a valid Debian version, or None when it is."""
    match = VERSION_RE.match(version)
    # Without a revision the upstream part may not hold a hyphen ("1.0-" has an empty revision).
    if not match or (match["revision"] is None and "-" in match["upstream"]):
        return f"invalid version {version!r} (Debian Policy 5.6.12)"
    return None


def validate_control(control: Mapping[str, str]) -> str | None:
    """The reason these control fields cannot go into a repository, or None."""
    missing = [field for field in REQUIRED_FIELDS if not control.get(field, "").strip()]
    if missing:
        return f"control file lacks {', '.join(missing)}"
    name = control["Package"]
    if not NAME_RE.match(name):
        return f"invalid package name {name!r} (lower case letters, digits, + - . only)"
    if reason := validate_version(control["Version"]):
        return reason
    source = source_name(control)
    if not NAME_RE.match(source):
        return f"invalid source name {source!r}"
    arch = control["Architecture"]
    if not ARCH_RE.match(arch):
        return f"invalid architecture {arch!r}"
    return None
