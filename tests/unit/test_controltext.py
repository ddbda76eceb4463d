"""The control-text check: dpkg's reading of a control file against python-debian's."""

from __future__ import annotations

import pytest
from debian.deb822 import Deb822

from publisher.apt.controltext import check_control_text, dpkg_fields

GOOD = (
    "Package: r2-x\nVersion: 1.0\nArchitecture: all\nDepends: a,\n b  \n"
    "Description: short \n long\n .\n more\t\n"
)


def test_ordinary_text_reads_the_same():
    assert check_control_text(GOOD, Deb822(GOOD)) is None
    assert dpkg_fields(GOOD)["depends"] == ("Depends", "a,\n b")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # python-debian strips Unicode blanks around a value; dpkg keeps them.
        (GOOD.replace("Version: 1.0", "Version:\u00a01.0"), "field Version reads differently"),
        (GOOD.replace("Package: r2-x\n", "Package: r2-x\n \n"), "line 2 holds only blanks"),
        (" Package: r2-x\n", "line 1 continues no field"),
        # python-debian reads the text inside a PGP armour; dpkg refuses the "-----" line.
        ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + GOOD, "more than one paragraph"),
        ("Package: r2-x\nXa: y\nxa: z\n", "field xa twice"),
        ("Package: r2-x\nX: \u2029\n", "U+2029 (PARAGRAPH SEPARATOR) on line 2"),
    ],
)
def test_text_read_otherwise_is_refused(text, reason):
    assert reason in (check_control_text(text, Deb822(text)) or "")
