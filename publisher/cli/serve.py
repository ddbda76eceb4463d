"""`r2repo serve`."""

from __future__ import annotations

import click

from publisher.cli.common import say, store_option
from publisher.core.marker import NotARepository, check_not_empty
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("serve")
@store_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 for every interface.",
)
@click.option("--port", default=8787, show_default=True, type=int, help="TCP port to listen on.")
@click.option(
    "--entry-ttl",
    default=60,
    show_default=True,
    type=int,
    help="Cache-Control max-age of InRelease, Packages, repomd.xml.",
)
@click.option(
    "--public-url",
    default=None,
    help="The URL clients reach this server at (e.g. behind a proxy), used in the landing "
    "page's setup snippets. Default: http://HOST:PORT; with a wildcard --host, the client's "
    "Host header, and the page is then kept out of shared caches.",
)
def command(
    store: StoreLocation, host: str, port: int, entry_ttl: int, public_url: str | None
) -> None:
    """Serve the repository over HTTP with the Worker's own request handling."""
    from publisher.serve import app as serve

    target = open_store(store)
    try:
        check_not_empty(target)
    except NotARepository as exc:
        # Still served: a publish into it shows up without a restart.
        say(f"warning: {exc}; serving an empty landing page until something is published")
    serve.run(
        target,
        host=host,
        port=port,
        entry_ttl=entry_ttl,
        public_url=public_url,
        announce=lambda: say(f"serving {target.url} on http://{host}:{port}/ (Ctrl-C stops)"),
    )
