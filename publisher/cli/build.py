"""`r2repo build`: .deb and .rpm packages from files and directories."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from publisher.build import build_packages
from publisher.build.config import merge_settings, spec_from_settings
from publisher.build.spec import COMPRESSIONS, FORMATS
from publisher.cli.common import Decorator, report, say

PACKAGE_OPTIONS: list[Decorator] = [
    click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path, exists=True),
        help="TOML file whose [package] table holds defaults for these options "
        "(default: ./r2repo.toml when it exists).",
    ),
    click.option(
        "--allow-outside",
        is_flag=True,
        help="Let the config file name paths outside its own directory (absolute, '..', or "
        "through a symbolic link); refused otherwise.",
    ),
    click.option("--name", help="Package name."),
    click.option(
        "--version",
        "version",
        help="Upstream version, e.g. 1.4.2; a tag's leading v (v1.4.2) is dropped.",
    ),
    click.option(
        "--release",
        help="Packaging revision: the .deb version becomes VERSION-RELEASE; .rpm Release "
        "(default 1).",
    ),
    click.option(
        "--arch",
        help="Architecture in either format's spelling: amd64/x86_64, arm64/aarch64, "
        "armhf/armv7hl, 386/i686, all/noarch...",
    ),
    click.option("--maintainer", help='"Name <address>".'),
    click.option(
        "--description",
        help="First line: the summary; the rest: the long text (made from the name, version and "
        "summary when there is none).",
    ),
    click.option("--license", help="License name, e.g. Apache-2.0."),
    click.option("--url", help="Project home page."),
    click.option("--section", help=".deb Section and .rpm Group (default misc)."),
    click.option("--priority", help=".deb Priority (default optional)."),
    click.option(
        "--depends", multiple=True, help='Dependency, Debian syntax: "libc6 (>= 2.31)" or "a | b".'
    ),
    click.option("--provides", multiple=True, help="Virtual package this one provides."),
    click.option(
        "--file",
        "files",
        multiple=True,
        help="SRC=DEST: a file or a directory (copied whole) installed at the absolute DEST.",
    ),
    click.option(
        "--config-file",
        "config_files",
        multiple=True,
        help="SRC=DEST: a configuration file (dpkg conffile, rpm %config(noreplace)).",
    ),
    click.option("--mode", "modes", multiple=True, help="DEST=MODE: override a file's mode."),
    click.option("--before-install", help="Script run before install (preinst, %pre)."),
    click.option("--after-install", help="Script run after install (postinst, %post)."),
    click.option("--before-remove", help="Script run before removal (prerm, %preun)."),
    click.option("--after-remove", help="Script run after removal (postrm, %postun)."),
    click.option("--changelog", help="One line for this version's changelog entry."),
    click.option(
        "--compression", type=click.Choice(COMPRESSIONS), help="Payload compression (default xz)."
    ),
    click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(FORMATS),
        help="Package format; repeat for both (default: deb and rpm).",
    ),
]
# Option parameter names that are not package settings.
_NOT_SETTINGS = {"config", "allow_outside"}
# A release tag (v1.2.3), as release jobs pass it: neither .deb nor .rpm versions take the v.
_TAG_VERSION = re.compile(r"[vV](?=\d)")


def package_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(PACKAGE_OPTIONS):
        function = option(function)
    return function


def build_from_options(
    options: dict[str, Any], output_dir: Path | None, default_dir: Path = Path("dist")
) -> list[Path]:
    """Build what the options (over r2repo.toml) describe; returns the files written."""
    given = {
        key.replace("_", "-"): value for key, value in options.items() if key not in _NOT_SETTINGS
    }
    if output_dir is not None:
        given["output-dir"] = str(output_dir)
    settings = merge_settings(
        options.get("config"), given, allow_outside=bool(options.get("allow_outside"))
    )
    version = settings.get("version")
    if isinstance(version, str) and _TAG_VERSION.match(version):
        settings["version"] = version[1:]
        say(f"notice: version {version}: building {version[1:]} (the tag's leading v dropped)")
    spec = spec_from_settings(settings)
    formats = settings.get("formats") or list(FORMATS)
    return build_packages(spec, formats, Path(settings.get("output-dir") or default_dir))


@click.command("build")
@package_options
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the packages are written (default dist/).",
)
def command(output_dir: Path | None, **options: Any) -> None:
    """Build .deb and .rpm packages from files and directories (no fpm, no rpmbuild)."""
    for path in build_from_options(options, output_dir):
        report("built", str(path.parent), [path.name])
