"""What to build: the package's settings and files, checked before any byte is written."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from publisher.build.arches import Arch, find_arch
from publisher.build.depends import Dependency, Relation, parse_dependency, parse_relation
from publisher.apt.policy import NAME_RE as DEB_NAME_RE
from publisher.apt.policy import validate_version as deb_version_reason
from publisher.errors import BuildError

FORMATS = ("deb", "rpm")
COMPRESSIONS = ("xz", "zstd")
# Maintainer-script names per format; the option is --before-install and so on.
SCRIPTS = ("before-install", "after-install", "before-remove", "after-remove")

# rpmbuild refuses '-' in Version and Release (it separates them) and most punctuation in names.
RPM_NAME_RE = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9._+-]*$")
RPM_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+~^]*$")
DEB_RELEASE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+~]*$")
MAINTAINER_RE = re.compile(r"^[^<>]+ <[^<>@\s]+@[^<>\s]+>$")


@dataclass(frozen=True)
class FileMapping:
    """A source file or directory and where it goes on the target system."""

    source: Path
    dest: str
    config: bool = False


@dataclass
class PackageSpec:
    name: str
    version: str
    arch: Arch
    maintainer: str
    description: str
    files: list[FileMapping]
    release: str | None = None
    license: str | None = None
    url: str | None = None
    section: str = "misc"
    priority: str = "optional"
    depends: list[Dependency] = field(default_factory=list)
    provides: list[Relation] = field(default_factory=list)
    scripts: dict[str, Path] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    changelog: str | None = None
    compression: str = "xz"

    @property
    def summary(self) -> str:
        return self.description.strip().splitlines()[0].strip()

    @property
    def long_description(self) -> str:
        """The description after its first line; may be empty."""
        lines = self.description.strip().splitlines()[1:]
        return "\n".join(line.rstrip() for line in lines).strip("\n")

    @property
    def extended_description(self) -> str:
        """The long text, or for a one-line --description one made from the package's facts.

        Debian requires an extended description (lintian: extended-description-is-empty, an
        error), and a one-line description is what most release jobs give; the made one says
        what the package is rather than repeating the summary, which lintian also flags.
        """
        if self.long_description:
            return self.long_description
        made = textwrap.fill(
            f"This package provides {self.name} {self.version} ({self.summary.rstrip('.')}). "
            "It was packaged from prebuilt files with r2repo build.",
            width=72,  # lintian: extended-description-line-too-long past 80
        )
        return made

    @property
    def deb_version(self) -> str:
        return f"{self.version}-{self.release}" if self.release else self.version

    @property
    def rpm_release(self) -> str:
        return self.release or "1"


def parse_mapping(text: str, config: bool = False) -> FileMapping:
    """`SRC=DEST` as the --file and --config-file options take it."""
    source, sep, dest = text.partition("=")
    option = "--config-file" if config else "--file"
    if not sep or not source or not dest:
        raise BuildError(f"{option} {text!r}: expected SRC=DEST")
    return FileMapping(Path(source), dest, config)


def parse_mode(text: str) -> tuple[str, int]:
    """`DEST=MODE` (octal) as --mode takes it."""
    dest, sep, mode = text.partition("=")
    if not sep or not re.fullmatch(r"0?[0-7]{3,4}", mode.strip()):
        raise BuildError(f"--mode {text!r}: expected DEST=MODE with an octal mode like 0755")
    return dest, int(mode, 8)


def make_spec(
    *,
    name: str,
    version: str,
    arch: str,
    maintainer: str,
    description: str,
    files: Sequence[str] = (),
    config_files: Sequence[str] = (),
    depends: Sequence[str] = (),
    provides: Sequence[str] = (),
    modes: Sequence[str] = (),
    scripts: dict[str, str | Path] | None = None,
    **optional: str | None,
) -> PackageSpec:
    """A spec from the strings a user gives (options or r2repo.toml)."""
    spec = PackageSpec(
        name=name,
        version=version,
        arch=find_arch(arch),
        maintainer=maintainer,
        description=description,
        files=[parse_mapping(f) for f in files] + [parse_mapping(f, True) for f in config_files],
        depends=[parse_dependency(d) for d in depends],
        provides=[parse_relation(p, "provides") for p in provides],
        modes=dict(parse_mode(m) for m in modes),
        scripts={kind: Path(path) for kind, path in (scripts or {}).items() if path},
    )
    for key, value in optional.items():
        if value is not None:
            setattr(spec, key, value)
    return spec


def _check_dest(dest: str) -> None:
    path = PurePosixPath(dest)
    if not path.is_absolute():
        raise BuildError(f"destination {dest!r}: not an absolute path (start it with /)")
    if ".." in path.parts or dest.rstrip("/") == "" or "\n" in dest:
        raise BuildError(f"destination {dest!r}: must name a path below / without '..'")


def _check_common(spec: PackageSpec) -> None:
    if not spec.description.strip():
        raise BuildError("description: empty")
    if not MAINTAINER_RE.match(spec.maintainer.strip()):
        raise BuildError(f"maintainer {spec.maintainer!r}: expected 'Name <address@example.com>'")
    if spec.compression not in COMPRESSIONS:
        raise BuildError(f"compression {spec.compression!r}: use one of {', '.join(COMPRESSIONS)}")
    if not spec.files:
        raise BuildError("no files: give at least one --file SRC=DEST")
    for mapping in spec.files:
        _check_dest(mapping.dest)
        if not mapping.source.exists() and not mapping.source.is_symlink():
            raise BuildError(f"{mapping.source}: no such file or directory")
        if mapping.config and not mapping.source.is_file():
            raise BuildError(f"{mapping.source}: a config file must be a regular file")
    for dest in spec.modes:
        _check_dest(dest)
    for kind, path in spec.scripts.items():
        if kind not in SCRIPTS:
            raise BuildError(f"script {kind!r}: use one of {', '.join(SCRIPTS)}")
        if not path.is_file():
            raise BuildError(f"{path}: no such file (--{kind})")


def _check_deb(spec: PackageSpec) -> None:
    if not DEB_NAME_RE.match(spec.name):
        raise BuildError(
            f"name {spec.name!r}: invalid for .deb (lower case letters, digits, + - . only, "
            "at least two characters, starting with a letter or digit)"
        )
    if spec.release and not DEB_RELEASE_RE.match(spec.release):
        raise BuildError(f"release {spec.release!r}: invalid for .deb (Debian Policy 5.6.12)")
    if deb_version_reason(spec.deb_version):
        raise BuildError(f"version {spec.deb_version!r}: invalid for .deb (Debian Policy 5.6.12)")
    for dep in spec.depends:
        for rel in dep.alternatives:
            if not DEB_NAME_RE.match(rel.name.split(":")[0]):
                raise BuildError(f"dependency {rel.name!r}: invalid package name for .deb")
    for rel in spec.provides:
        if rel.op not in (None, "="):
            raise BuildError(f"provides {rel.deb()!r}: .deb allows only '=' in Provides")


def _check_rpm(spec: PackageSpec) -> None:
    if not RPM_NAME_RE.match(spec.name):
        raise BuildError(f"name {spec.name!r}: invalid for .rpm (letters, digits, . _ + - only)")
    for what, value in (("version", spec.version), ("release", spec.rpm_release)):
        if not RPM_VERSION_RE.match(value):
            raise BuildError(
                f"{what} {value!r}: invalid for .rpm (letters, digits, . _ + ~ ^ only; no '-')"
            )
    for dep in spec.depends:
        for rel in dep.alternatives:
            if rel.version and not RPM_VERSION_RE.match(rel.version.split(":")[-1].split("-")[0]):
                raise BuildError(f"dependency {rel.deb()!r}: invalid version for .rpm")


def validate(spec: PackageSpec, formats: list[str]) -> None:
    """Raise BuildError for the first thing that stops any of `formats` from being built."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise BuildError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    _check_common(spec)
    if "deb" in formats:
        _check_deb(spec)
    if "rpm" in formats:
        _check_rpm(spec)
