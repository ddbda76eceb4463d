"""HTML pages: a directory listing for any path ending in `/`, the landing page at `/`.

jinja2 with autoescape; templates in `templates/`; no JavaScript. jinja2 is imported on the
first page only, so a Worker that serves files never pays for it.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from routes import snippets
from routes.access import Decision
from routes.bucket import Bucket
from routes.conditional import http_date
from routes.config import RouteConfig
from routes.discover import RepositoryInfo, discover
from routes.http import Request, Response
from routes.memo import PageMemo, page_key

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
HTML = "text/html; charset=utf-8"

_environment = None


def _env():
    global _environment
    if _environment is None:
        import jinja2

        _environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _environment


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def slug(name: str) -> str:
    """A file-name-safe form of the display name: keyring, .sources and .repo names."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "r2repo"


@dataclass(slots=True)
class AptSetup:
    label: str
    title: str
    description: str
    private: bool
    sources: str
    line: str
    auth: str


@dataclass(slots=True)
class RpmSetup:
    label: str  # unique on the page (two roots may share a repo id)
    repo_id: str
    title: str
    private: bool
    repo: str  # the `.repo` file's text for this origin
    download: str  # curl of the stored `.repo` file, when it names this origin
    stored_base: str  # the stored file's base URL when it names another one
    zypper: str
    zypper_credentials: str


# Placeholders of a private repository's credentials, in every snippet alike.
TOKEN_NAME, TOKEN = "TOKEN-NAME", "YOUR-TOKEN"


def setup(info: RepositoryInfo, base: str, slug_name: str) -> dict[str, object]:
    """Every snippet of the landing page, from routes.snippets (the `.repo` writer's source)."""
    keyring = snippets.keyring(slug_name)
    apt = []
    for dist in info.dists:
        url = f"{base}/{dist.root}"
        title = f"{dist.root} {dist.name}" if dist.root else dist.name
        description = dist.description
        if description and dist.architectures:
            description += " · " + ", ".join(dist.architectures)
        apt.append(
            AptSetup(
                dist.label,
                title,
                description,
                dist.private,
                snippets.apt_sources(url, dist.name, dist.components, keyring),
                snippets.apt_line(url, dist.name, dist.components, keyring),
                snippets.apt_auth(base, TOKEN_NAME, TOKEN) if dist.private else "",
            )
        )
    rpm = []
    for root in info.rpm_roots:
        stored = root.repo
        repo_id = stored.repo_id if stored else "-".join([slug_name, *root.path.split("/")])
        repo_id = repo_id.strip("-")  # no file: the id the page always gave it
        credentials = (TOKEN_NAME, TOKEN) if root.private else None
        gpgcheck = bool(stored and stored.gpgcheck)
        text = snippets.yum_repo(repo_id, base, root.path, gpgcheck, root.key_path, credentials)
        same = stored is not None and stored.base_url == base and not root.private
        rpm.append(
            RpmSetup(
                "-".join(root.path.strip("/").split("/")) or "root",
                repo_id,
                root.path or "/",
                root.private,
                text.rstrip("\n"),
                snippets.yum_repo_download(base, root.path, repo_id) if same else "",
                stored.base_url if stored and stored.base_url != base else "",
                snippets.zypper(base, root.path, repo_id, root.key_path, root.private),
                snippets.zypper_credentials(TOKEN_NAME, TOKEN) if root.private else "",
            )
        )
    return {
        "keyring": keyring,
        "apt_key": snippets.apt_key(base, keyring),
        "apt": apt,
        "rpm": rpm,
    }


@dataclass(slots=True)
class Entry:
    name: str
    href: str
    size: str
    modified: str
    directory: bool


def origin(request: Request) -> str:
    """scheme://host the client used, for copy-paste URLs."""
    if request.origin:
        return request.origin.rstrip("/")
    host = request.headers.get("host", "localhost")
    scheme = request.headers.get("x-forwarded-proto", "http")
    return f"{scheme}://{host}"


def _crumbs(prefix: str) -> list[tuple[str, str]]:
    crumbs: list[tuple[str, str]] = []
    path = "/"
    for part in [p for p in prefix.split("/") if p]:
        path += quote(part) + "/"
        crumbs.append((part, path))
    return crumbs


async def _entries(
    bucket: Bucket, prefix: str, cursor: str | None, decision: Decision, hidden: str
) -> tuple[list[Entry], str | None]:
    listing = await bucket.list(prefix, "/", cursor)
    entries: list[Entry] = []
    for sub in listing.prefixes:
        name = sub[len(prefix) :].rstrip("/")
        if not name or name.startswith(".") or sub == hidden or not decision.may_read(sub):
            continue
        entries.append(Entry(name, quote(name), "", "", True))
    for meta in listing.objects:
        name = meta.key[len(prefix) :]
        if not name or name.startswith(".") or not decision.may_read(meta.key):
            continue
        modified = http_date(int(meta.last_modified))[5:-4]  # "27 Nov 2026 07:19:03"
        entries.append(Entry(name, quote(name), human_size(meta.size), modified, False))
    return entries, listing.cursor


def _page(
    status: int, html: str, decision: Decision, config: RouteConfig, personal: bool = False
) -> Response:
    body = html.encode("utf-8")
    # A page shown to a token can name private paths: it must never reach a shared cache.
    personal = personal or decision.token is not None or decision.private
    cache = "private, no-store" if personal else f"public, max-age={config.entry_ttl}"
    headers = [
        ("content-type", HTML),
        ("content-length", str(len(body))),
        ("cache-control", cache),
        ("vary", "Authorization"),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    ]
    return Response(status, headers, body)


async def directory_page(
    request: Request,
    bucket: Bucket,
    config: RouteConfig,
    prefix: str,
    decision: Decision,
    memo: PageMemo | None = None,
) -> Response | None:
    """The listing of `prefix` ("" is the landing page); None when there is nothing there.

    With `memo`, the landing page is rendered once per viewer scope and origin for
    `entry_ttl` seconds (routes.memo).
    """
    cursor = parse_qs(request.query).get("cursor", [None])[0] if request.query else None
    # Its URLs (the key's among them) are built from the origin: one a client chose stays theirs.
    personal = request.origin_from_client or not request.origin
    key, now = None, 0.0
    if memo is not None and not prefix and cursor is None:
        key, now = page_key(decision, config, origin(request)), time.time()
        html = memo.get(key, decision.access, now)
        if html is not None:
            return _page(200, html, decision, config, personal=personal)
    entries, next_cursor = await _entries(bucket, prefix, cursor, decision, config.private_prefix)
    if not entries and prefix and cursor is None:
        return None
    context = {
        "name": config.name,
        "prefix": prefix,
        "crumbs": _crumbs(prefix),
        "entries": entries,
        "next": f"?cursor={quote(next_cursor, safe='')}" if next_cursor else None,
        "base": origin(request),
        "slug": slug(config.name),
    }
    if prefix:
        return _page(200, _env().get_template("listing.html").render(context), decision, config)
    info = await discover(bucket, decision, config.private_prefix)
    context["info"] = info
    context["setup"] = setup(info, context["base"], context["slug"])
    html = _env().get_template("landing.html").render(context)
    if memo is not None and key is not None:
        memo.put(key, decision.access, html, now, config.entry_ttl)
    return _page(200, html, decision, config, personal=personal)
