"""Package settings from the `[package]` table of r2repo.toml, merged under command-line options."""

from __future__ import annotations

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


def _resolve_mapping(base: Path, text: str) -> str:
    source, sep, dest = text.partition("=")
    return f"{base / source}{sep}{dest}" if sep and source else text


def load_package_table(path: Path) -> dict[str, Any]:
    """The [package] table with relative paths made relative to the file's directory."""
    try:
        table = tomllib.loads(path.read_text()).get("package", {})
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML ({exc})") from exc
    if not isinstance(table, dict):
        raise BuildError(f"{path}: [package] must be a table")
    base = path.parent
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in TEXT_KEYS:
            if not isinstance(value, str):
                raise BuildError(f"{path}: [package] {key} must be a string")
            settings[key] = str(base / value) if key in PATH_KEYS else value
        elif key in LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise BuildError(f"{path}: [package] {key} must be a list of strings")
            if key in MAPPING_KEYS:
                value = [_resolve_mapping(base, v) for v in value]
            settings[key] = value
        else:
            known = ", ".join(sorted((*TEXT_KEYS, *LIST_KEYS)))
            raise BuildError(f"{path}: [package] has unknown key {key!r} (known: {known})")
    return settings


def merge_settings(config: Path | None, options: dict[str, Any]) -> dict[str, Any]:
    """Options given on the command line win over the file; lists given replace the file's."""
    settings: dict[str, Any] = {}
    if config is not None:
        settings = load_package_table(config)
    elif DEFAULT_CONFIG.is_file():
        settings = load_package_table(DEFAULT_CONFIG)
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
