"""`r2repo demo`: the main job on the embedded default."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from publisher.cli.common import say
from publisher.stores import Store


@click.command("demo")
@click.option(
    "--store", default="demo-repo", show_default=True, help="Directory the demo publishes into."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8787, show_default=True, type=int, help="TCP port to serve on.")
@click.option("--no-serve", is_flag=True, help="Publish only.")
def command(store: str, host: str, port: int, no_serve: bool) -> None:
    """Build two sample packages, publish them into STORE and serve it."""
    from publisher.ops.demo import run_demo

    run_demo(Path(store), host, port, serve=None if no_serve else _serve, say=say)


def _serve(store: Store, host: str, port: int, announce: Callable[[], None]) -> None:
    from publisher.serve import app

    app.run(store, host=host, port=port, announce=announce)
