"""Package settings from the `[package]` table of r2repo.toml, merged under command-line options."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from publisher.build.spec import SCRIPTS, PackageSpec, make_spec
from publisher.errors import BuildError

DEFAULT_CONFIG = Path("r2repo.toml")
REQUIRED = ("name", "version", "arch", "maintainer", "description")
TEXT_KEYS = (
    *REQUIRED,
    "release",
    "license",
    "url",
    "section",
    "priority",
    "changelog",
    "compression",
    "output-dir",
    *SCRIPTS,
)
LIST_KEYS = ("depends", "provides", "files", "config-files", "modes", "formats")
# Keys whose values name source paths: relative ones are read from the file's directory.
PATH_KEYS = ("output-dir", *SCRIPTS)
MAPPING_KEYS = ("files", "config-files")


class _Sources:
    """Paths the file names, read from its directory and, unless allowed, confined to it.

    r2repo.toml comes with the sources, often from a pull request a release job builds: an
    absolute path or `..` there could pack any file the job can read (a CI secret, ~/.ssh) into
    a published package, or write packages anywhere. Symbolic links are resolved for the check,
    so a link inside the directory cannot lead out either. Paths typed on the command line are
    the operator's own and are not confined.
    """

    def __init__(self, config: Path, allow_outside: bool) -> None:
        self.config = config
        self.base = config.parent
        self.root = os.path.realpath(self.base)
        self.allow_outside = allow_outside

    def path(self, key: str, value: str) -> str:
        joined = self.base / value
        if not self.allow_outside:
            resolved = os.path.realpath(joined)
            if os.path.commonpath([self.root, resolved]) != self.root:
                raise BuildError(
                    f"{self.config}: [package] {key} {value!r} leads outside {self.root} "
                    "(an absolute path, '..' or a symbolic link); give --allow-outside to use it"
                )
        return str(joined)

    def mapping(self, key: str, text: str) -> str:
        source, sep, dest = text.partition("=")
        return f"{self.path(key, source)}{sep}{dest}" if sep and source else text


def load_package_table(path: Path, *, allow_outside: bool = False) -> dict[str, Any]:
    """The [package] table with relative paths made relative to the file's directory (and
    confined to it unless `allow_outside`)."""
    try:
        table = tomllib.loads(path.read_text()).get("package", {})
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML ({exc})") from exc
    if not isinstance(table, dict):
        raise BuildError(f"{path}: [package] must be a table")
    sources = _Sources(path, allow_outside)
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in TEXT_KEYS:
            if not isinstance(value, str):
                raise BuildError(f"{path}: [package] {key} must be a string")
            settings[key] = sources.path(key, value) if key in PATH_KEYS else value
        elif key in LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise BuildError(f"{path}: [package] {key} must be a list of strings")
            if key in MAPPING_KEYS:
                value = [sources.mapping(key, v) for v in value]
            settings[key] = value
        else:
            known = ", ".join(sorted((*TEXT_KEYS, *LIST_KEYS)))
            raise BuildError(f"{path}: [package] has unknown key {key!r} (known: {known})")
    return settings


def merge_settings(
    config: Path | None, options: dict[str, Any], *, allow_outside: bool = False
) -> dict[str, Any]:
    """Options given on the command line win over the file; lists given replace the file's."""
    settings: dict[str, Any] = {}
    if config is None and DEFAULT_CONFIG.is_file():
        config = DEFAULT_CONFIG
    if config is not None:
        settings = load_package_table(config, allow_outside=allow_outside)
    for key, value in options.items():
        if value not in (None, (), []):
            settings[key] = list(value) if isinstance(value, tuple) else value
    return settings


def spec_from_settings(settings: dict[str, Any]) -> PackageSpec:
    where = f"give --{{0}} or {{0}} in [package] of {DEFAULT_CONFIG}"
    for key in REQUIRED:
        if not settings.get(key):
            raise BuildError(f"{key}: missing ({where.format(key)})")
    optional = {
        key: settings.get(key)
        for key in ("release", "license", "url", "section", "priority", "changelog", "compression")
    }
    return make_spec(
        name=settings["name"],
        version=settings["version"],
        arch=settings["arch"],
        maintainer=settings["maintainer"],
        description=settings["description"],
        files=settings.get("files", []),
        config_files=settings.get("config-files", []),
        depends=settings.get("depends", []),
        provides=settings.get("provides", []),
        modes=settings.get("modes", []),
        scripts={kind: settings[kind] for kind in SCRIPTS if settings.get(kind)},
        **optional,
    )
