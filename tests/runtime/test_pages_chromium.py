"""The landing page and a listing in headless Chromium: screenshots kept as test artifacts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.runtime.conftest import Deployment
from tests.runtime.test_worker_clients import ARTIFACTS

CHROMIUM = shutil.which("chromium") or "chromium"
PNG = b"\x89PNG\r\n\x1a\n"


def screenshot(url: str, out: Path, width: int, height: int, profile: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "path", "width", "height"),
    [
        ("landing-desktop", "/", 1280, 2400),
        ("landing-phone", "/", 390, 3200),
        ("listing-desktop", "/pool/main/r/rt-hello/", 1280, 700),
        ("listing-phone", "/dists/stable/", 390, 900),
    ],
)
def test_screenshot(
    deployment: Deployment, tmp_path: Path, name: str, path: str, width: int, height: int
) -> None:
    out = ARTIFACTS / f"{name}.png"
    screenshot(deployment.url + path, out, width, height, tmp_path / "profile")
    data = out.read_bytes()
    assert data.startswith(PNG)
    png_width = int.from_bytes(data[16:20], "big")
    assert png_width == width
    assert len(data) > 10_000  # a rendered page, not a blank one


def test_listing_content(deployment: Deployment) -> None:
    status, headers, body = deployment.fetch("/dists/stable/")
    page = body.decode()
    assert status == 200
    assert 'href="InRelease"' in page and 'href="main/"' in page
    assert 'href="/dists/"' in page  # breadcrumbs
    status, _, body = deployment.fetch("/")
    assert "_r2repo" not in body.decode() and ".r2repo" not in body.decode()
    assert deployment.fetch("/private/")[0] == 401
    token = {"Authorization": f"Bearer {deployment.tokens['ci']}"}
    status, headers, body = deployment.fetch("/private/", headers=token)
    assert status == 200 and 'href="dists/"' in body.decode()
    assert headers["cache-control"] == "private, no-store"
    root_with_token = deployment.fetch("/", headers=token)[2].decode()
    assert 'href="private/"' in root_with_token
    assert 'href="private/"' not in deployment.fetch("/")[2].decode()
