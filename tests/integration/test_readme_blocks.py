"""README.md's shell blocks, copied and run as a newcomer would: the README cannot drift.

Convention (README.md): a fenced block the tests use has an HTML comment on the line right
before its fence, `<!-- readme-test: NAME -->` (tests/support/readme.py reads them). NAME says
what the block is:

- `quickstart`: run in order, in an empty directory, with `r2repo` (this checkout) on PATH;
- `apt-client`, `dnf-client`: run next, as root of an isolated client: `sudo` dropped, `/etc/...`
  under the client's root, `apt-get` and `dnf` working on that root (real installs);
- any marked `sh`/`bash` block under the `## Private repositories` heading: run after those, in
  order, except that a `r2repo token revoke` line is held back until the private dist has been
  read with the token (it then checks that the revoked token is refused);
- `apt-auth`: the auth.conf text the private dist is read with (as the README says to write it);
- other names (`zypper-client`, ...) are only compared with routes.snippets
  (tests/unit/test_readme_snippets.py).

Placeholders are filled: `./bucket` and `s3://BUCKET` are the store (a directory, or a bucket of
moto's S3 server with its endpoint in AWS_ENDPOINT_URL), port 8787 a free port,
`https://pkg.example.com` the served address, `app.deb` the quick start's .deb, `r2r_...` the
token that `r2repo token create` printed. A `pip install -e .` line is skipped (this checkout is
on PATH already); a `r2repo serve` line runs in the background until the test ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.serve.app import ACCESS_TTL
from tests.support.apt import AptClient
from tests.support.pages import page_snippets
from tests.support.publishers import publish_argv, r2repo_env
from tests.support.readme import Block, marked, under
from tests.support.rpmclients import DnfClient, run
from tests.support.s3 import s3_env
from tests.support.server import fetch, free_port, serving

pytestmark = pytest.mark.slow  # the README run as written: apt-get, dnf, zypper

PRIVATE_HEADING = "Private repositories"
CLIENTS = ("apt-client", "dnf-client")
QUICKSTART_DEB = "dist/mytool_1.0.0_all.deb"


@dataclass
class Place:
    """Where this run puts what the README's placeholders name."""

    work: Path
    store: str
    port: int
    apt: AptClient
    dnf: DnfClient
    env: dict[str, str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def fill(text: str, place: Place, token: str = "") -> str:
    text = text.replace("s3://BUCKET", place.store).replace("./bucket", place.store)
    text = text.replace("127.0.0.1:8787", f"127.0.0.1:{place.port}")
    text = text.replace("--port 8787", f"--port {place.port}")
    text = text.replace("https://pkg.example.com", place.base)
    text = re.sub(r"(?<![\w/.-])app\.deb\b", QUICKSTART_DEB, text)
    if token:
        text = text.replace("r2r_...", token)
    text = text.replace("/etc/apt/", f"{place.apt.root}/etc/apt/")
    return text.replace("/etc/yum.repos.d/", f"{place.dnf.root}/etc/yum.repos.d/")


def logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined, as the shell reads them."""
    return [line for line in re.sub(r"\\\n\s*", " ", text).splitlines() if line.strip()]


def shell(block: Block, place: Place, held: list[str]) -> str:
    """The block as a script: serve in the background, `token revoke` lines into `held`."""
    lines = []
    for line in logical_lines(fill(block.text, place)):
        command = line.strip()
        if command.startswith("pip install"):
            continue
        if command.startswith("r2repo token revoke"):
            held.append(line)
            continue
        if command.startswith("r2repo serve"):
            command = re.sub(r"\s+#.*$", "", command)
            lines += [
                f"{command} >>serve.log 2>&1 &",
                "echo $! >>serve.pids",
                f"wait_port {place.port}",
            ]
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def prelude(place: Place) -> str:
    """sudo, apt-get and dnf as the README's client blocks use them, on the isolated roots."""
    apt_options = [*place.apt.options(), *place.apt.dpkg_options()]
    d = place.dnf.root
    dnf_options = [
        f"--installroot={d}",
        f"--setopt=reposdir={d}/etc/yum.repos.d",
        "--releasever=1",
        f"--setopt=cachedir={d}/cache",
        "--setopt=install_weak_deps=False",
        "--disableplugin=local",
    ]
    return f"""set -eo pipefail
sudo() {{ "$@"; }}
apt-get() {{ command apt-get {shlex.join(apt_options)} "$@"; }}
dnf() {{ command dnf {shlex.join(dnf_options)} "$@"; }}
yum() {{ dnf "$@"; }}
wait_port() {{
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2; return 1
}}
"""


def run_script(place: Place, script: str, name: str) -> subprocess.CompletedProcess[str]:
    path = place.work / f"{name}.sh"
    path.write_text(prelude(place) + script)
    done = subprocess.run(
        ["bash", str(path)],
        cwd=place.work,
        env=place.env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    log = place.work / "serve.log"
    assert done.returncode == 0, (
        f"README blocks ({name}) failed ({done.returncode}):\n{script}\n--- stdout\n{done.stdout}"
        f"\n--- stderr\n{done.stderr}\n--- serve.log\n{log.read_text() if log.exists() else ''}"
    )
    return done


@pytest.fixture
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    work = tmp_path / "work"
    work.mkdir()
    # `r2repo` is this checkout, whatever an installed console script points at.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "r2repo"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(os.sys.executable)} -m publisher "$@"\n')
    wrapper.chmod(0o755)
    env = r2repo_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"})
    env.pop("R2REPO_STORE", None)
    env.pop("R2REPO_SIGNING_KEY", None)
    store = "./bucket"
    if request.param == "s3":
        moto = request.getfixturevalue("moto_s3")
        store = f"s3://{moto.bucket('readme')}"
        env.update(s3_env(moto))
    yield Place(
        work, store, free_port(), AptClient(tmp_path / "apt"), DnfClient(tmp_path / "dnf"), env
    )
    pids = work / "serve.pids"
    for pid in pids.read_text().split() if pids.exists() else []:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGTERM)


def page(place: Place, token: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    status, _, body = fetch(place.port, "/", headers=headers)
    assert status == 200
    return page_snippets(body.decode())


def private_update(place: Place, lines: list[str], auth: str | None) -> str:
    """apt-get update of the private dists alone, with `auth` as auth.conf.d/r2repo.conf."""
    conf = place.apt.root / "etc/apt/auth.conf.d/r2repo.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.unlink(missing_ok=True)
    if auth is not None:
        conf.write_text(auth)
        conf.chmod(0o600)
    for listed in (place.apt.root / "etc/apt/sources.list.d").glob("*.list"):
        listed.unlink()
    place.apt.set_sources(lines)
    done = place.apt.run("update", check=False)
    return done.stdout + done.stderr


@pytest.mark.parametrize("place", ["local", "s3"], indirect=True)
def test_readme_blocks_run_as_written(place: Place) -> None:
    quickstart = marked("quickstart")
    assert quickstart, "README: no block marked <!-- readme-test: quickstart -->"
    held: list[str] = []
    script = "".join(shell(block, place, held) for block in quickstart)
    assert "serve.pids" in script, "the quick start starts no `r2repo serve`"
    run_script(place, script, "quickstart")

    # The client blocks, verbatim but for the roots: real installs with apt-get and dnf.
    for name in CLIENTS:
        blocks = marked(name)
        assert blocks, f"README: no block marked <!-- readme-test: {name} -->"
        run_script(place, "".join(shell(block, place, held) for block in blocks), name)
    status = (place.apt.root / "var/lib/dpkg/status").read_text()
    assert "Package: mytool\nStatus: install ok installed" in status
    assert (place.apt.root / "usr/bin/mytool").exists()
    installed = run(["rpm", "--root", str(place.dnf.root), "-q", "mytool"]).stdout
    assert installed.startswith("mytool-1.0.0-1")
    assert os.access(place.dnf.root / "usr/bin/mytool", os.X_OK)

    private = [block for block in under(PRIVATE_HEADING) if block.language in ("sh", "bash")]
    if not private:
        pytest.fail(f"README: no marked sh block under '## {PRIVATE_HEADING}'")
    anonymous = page(place)
    held = []
    done = run_script(place, "".join(shell(block, place, held) for block in private), "private")
    time.sleep(ACCESS_TTL + 0.5)  # serve applies changed access rules this long after
    tokens = re.findall(r"^(r2r_\S+)$", done.stdout, re.M)
    assert tokens, f"the private section printed no token:\n{done.stdout}"
    token = tokens[-1]
    with_token = page(place, token)
    assert page(place) == anonymous  # nothing private shows without the token
    lines = [text for name, text in with_token.items() if name.startswith("apt-line-")]
    lines = [fill(line, place) for line in lines if line not in anonymous.values()]
    assert lines, "the landing page shows the token no private dist"
    auth = marked("apt-auth")
    assert len(auth) == 1, "README: one block marked <!-- readme-test: apt-auth -->"
    auth_text = fill(auth[0].text, place, token)
    assert f"machine {place.base}\n" in auth_text

    assert "401" in private_update(place, lines, None)
    # The README's scheme rule, checked with apt: another scheme gives the source no password.
    other = auth_text.replace("machine http://", "machine https://")
    assert "401" in private_update(place, lines, other)
    output = private_update(place, lines, auth_text)
    assert "401" not in output and "\nE: " not in "\n" + output, output
    assert list((place.apt.root / "var/lib/apt/lists").glob("*private_dists_*_InRelease"))

    if held:
        run_script(place, "\n".join(held) + "\n", "revoke")
        time.sleep(ACCESS_TTL + 0.5)
        assert "401" in private_update(place, lines, auth_text)


def test_readme_says_what_dnf_says_of_a_script_in_an_empty_root(tmp_path: Path, key_dir) -> None:
    """The README's note under the dnf example: an install script needs /bin/sh, which an empty
    installroot lacks; dnf's own words are quoted there."""
    (tmp_path / "post").write_text("#!/bin/sh\ntrue\n")
    (tmp_path / "tool").write_text("#!/bin/sh\necho tool\n")
    built = [
        "build", "--name", "withpost", "--version", "1.0", "--arch", "all",
        "--maintainer", "Me <me@example.com>", "--description", "x",
        "--file", f"{tmp_path / 'tool'}=/usr/bin/withpost",
        "--after-install", str(tmp_path / "post"), "--format", "rpm",
        "--output-dir", str(tmp_path / "dist"),
    ]  # fmt: skip
    assert main(built) == 0
    port = free_port()
    rpm = next((tmp_path / "dist").glob("*.rpm"))
    assert main(publish_argv(tmp_path / "store", key_dir, f"http://127.0.0.1:{port}", rpm)) == 0
    dnf = DnfClient(tmp_path / "dnf")
    with serving(tmp_path / "store", port):
        dnf.add_repo_file((tmp_path / "store/rpm/r2repo.repo").read_text())
        failed = dnf.dnf("install", "withpost", check=False)
    said = "nothing provides /bin/sh needed by"
    assert failed.returncode != 0 and said in failed.stdout + failed.stderr
    readme = " ".join(
        block for block in (Path(__file__).parents[2] / "README.md").read_text().split()
    )
    assert f"`{said} ...`" in readme
