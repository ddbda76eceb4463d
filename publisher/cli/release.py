"""`r2repo release`: build the packages, then publish them, in one step."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from publisher.cli.build import build_from_options, package_options
from publisher.cli.common import report
from publisher.cli.publish import (
    REPOSITORY_PARAMS,
    publish_files,
    repository_options,
    repository_settings,
)


@click.command("release")
@repository_options
@package_options
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the built packages here (default: output-dir of r2repo.toml, else a "
    "temporary directory removed afterwards).",
)
def command(output_dir: Path | None, **options: Any) -> None:
    """Build .deb and .rpm packages and publish them to the store."""
    repository = {key: options.pop(key) for key in REPOSITORY_PARAMS}
    store, signing_keys = repository.pop("store"), repository.pop("signing_keys")
    settings = repository_settings(**repository, config=options.get("config"))
    with tempfile.TemporaryDirectory() as scratch:
        built = build_from_options(options, output_dir, default_dir=Path(scratch))
        for path in built:
            report("built", str(path.parent), [path.name])
        publish_files(store, signing_keys, settings, built)
