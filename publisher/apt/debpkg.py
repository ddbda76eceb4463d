"""Read a .deb into a typed record: its control fields and its checksums."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from debian import debfile
from debian.deb822 import Deb822

from publisher.apt.controltext import check_control_text
from publisher.apt.debcontrol import CONTROL_MEMBERS, control_text_in, read_control_text
from publisher.apt.policy import source_name, validate_control
from publisher.apt.stanza import Stanza, canonical_name, dump_field, is_repository_field
from publisher.errors import PackageError, unreadable_input
from publisher.hashing import Digests, digest_file


@dataclass(frozen=True)
class DebPackage:
    """`control` holds the package's own fields as the text they take in a Packages stanza:
    one string crosses the process boundary, and 50,000 of them stay small in memory."""

    path: Path
    control: Stanza
    digests: Digests

    @property
    def name(self) -> str:
        return self.control["Package"]

    @property
    def version(self) -> str:
        return self.control["Version"]

    @property
    def architecture(self) -> str:
        return self.control["Architecture"]

    @property
    def source(self) -> str:
        """The source package name, which pool/ is organised by."""
        return source_name(self.control)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.version, self.architecture)


AR_GLOBAL_HEADER = 8
AR_MEMBER_HEADER = 60


def _check_not_truncated(deb: debfile.DebFile, file_size: int) -> None:
    # ar member sizes are declared up front; a cut-off download is shorter than they add up to.
    end = AR_GLOBAL_HEADER
    for member in deb.getmembers():
        end += AR_MEMBER_HEADER + member.size
        if end > file_size:
            raise PackageError(
                f"truncated: member {member.name} ends at byte {end}, file has {file_size}"
            )
        end += member.size % 2


def read_deb(path: Path) -> DebPackage:
    """Parse and check one .deb; PackageError names the file and the reason."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise unreadable_input(path)
    except OSError as exc:
        raise unreadable_input(path, exc) from None
    try:
        text = read_control_text(str(path))
        if text is None:  # not the ordinary layout, or broken: python-debian reads it and says why
            deb = debfile.DebFile(str(path))
            try:
                _check_not_truncated(deb, path.stat().st_size)
                # python-debian finds the member; control_text_in decompresses it with a bound.
                (member,) = (m for m in deb.getmembers() if m.name in CONTROL_MEMBERS)
                text = control_text_in(member.name, member.size, member.read)
            finally:
                deb.close()
        control = Deb822(text)
    except PackageError as exc:
        raise PackageError(f"{path}: not a valid .deb ({exc})") from exc
    except Exception as exc:  # python-debian raises many types for a broken archive
        if isinstance(exc, OSError) and exc.errno is not None:  # the file, not its contents
            raise unreadable_input(path, exc) from exc
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PackageError(f"{path}: not a valid .deb ({reason})") from exc
    if not control:
        raise PackageError(f"{path}: not a valid .deb (empty control file)")
    if reason := check_control_text(text, control):
        raise PackageError(f"{path}: {reason}")
    if reason := validate_control(control):
        raise PackageError(f"{path}: {reason}")
    # The repository's own fields replace a package's copy of them, in whatever case it wrote.
    own = "".join(
        dump_field(canonical_name(k), v) for k, v in control.items() if not is_repository_field(k)
    )
    return DebPackage(path=path, control=Stanza(own), digests=digest_file(path))
