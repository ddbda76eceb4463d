"""The `[publish]` table of r2repo.toml: the dists a release goes to when no --dist is given."""

from __future__ import annotations

import tomllib
from pathlib import Path

from publisher.errors import R2repoError

KNOWN_KEYS = ("dists",)
# The file `build` reads its [package] table from (publisher/build/config.py): not imported from
# there, which would load the .deb builder (and python-debian) into every .rpm-only publish.
DEFAULT_CONFIG = Path("r2repo.toml")


def config_dists(config: Path | None = None) -> list[str]:
    """`dists` of the [publish] table (of `config`, else ./r2repo.toml when it exists)."""
    if config is None:
        if not DEFAULT_CONFIG.is_file():
            return []
        config = DEFAULT_CONFIG
    try:
        table = tomllib.loads(config.read_text()).get("publish", {})
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise R2repoError(f"{config}: cannot read ({reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise R2repoError(f"{config}: not valid TOML ({exc})") from exc
    if not isinstance(table, dict):
        raise R2repoError(f"{config}: [publish] must be a table")
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise R2repoError(
            f"{config}: [publish] has unknown key {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})"
        )
    dists = table.get("dists", [])
    if not isinstance(dists, list) or not all(isinstance(d, str) for d in dists):
        raise R2repoError(f"{config}: [publish] dists must be a list of strings")
    return dists
