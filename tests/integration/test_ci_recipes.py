"""The CI recipes of docs/ci.md run as written: every `run:` block of docs/ci/github-release.yml
and every before_script/script line of docs/ci/gitlab-ci.yml, job after job, in a shell, with
the secrets as environment variables; then apt-get and dnf install what they published.

What the test changes, visibly: the bucket is moto's S3 (AWS_ENDPOINT_URL; R2_ACCOUNT_ID is
empty, as an unset secret is), `pip install "$R2REPO_INSTALL"` installs this checkout into a
virtualenv without the network (PIP_NO_INDEX, PIP_NO_DEPS: the dependencies are this machine's),
the checkout holds the program (bin/mytool), and the `uses:` steps (checkout, setup-python) are
the test's own setup.
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from tests.support.apt import AptClient
from tests.support.rpmclients import DnfClient, run
from tests.support.s3 import CREDENTIALS
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # a virtualenv install, real apt-get and dnf

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "docs/ci"
TAG = "v1.2.3"
CODENAMES = ("bookworm", "trixie", "noble", "staging", "stable")
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars)\.([A-Z0-9_]+)\s*\}\}")


@pytest.fixture(scope="module")
def installable(tmp_path_factory) -> Path:
    """This checkout's sources as pip installs them (a copy: no build files in the tree)."""
    source = tmp_path_factory.mktemp("r2repo-src")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    for part in ("publisher", "src/routes"):
        shutil.copytree(ROOT / part, source / part, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    return source


def shell(script: str, cwd: Path, env: Mapping[str, str]) -> None:
    """One step, as the runners run it: bash, stopping at the first failing command."""
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{script}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"


def github_env(mapping: Mapping[str, object] | None, secrets: Mapping[str, str]) -> dict[str, str]:
    """A workflow's `env:` with `${{ secrets.X }}` and `${{ vars.X }}` given their values; any
    other expression fails the test (the recipe would need a runner to mean anything)."""
    resolved = {}
    for name, value in (mapping or {}).items():
        text = EXPRESSION.sub(lambda m: secrets[m.group(2)], str(value))
        assert "${{" not in text, f"{name}: {value}: an expression the test cannot evaluate"
        resolved[name] = text
    return resolved


def github_steps(secrets: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str], str]]:
    """(job, env, script) of each `run:` step, jobs in their `needs` order."""
    workflow = yaml.safe_load((RECIPES / "github-release.yml").read_text())
    assert workflow[True]["push"]["tags"] == ["v*"]  # PyYAML reads the key `on` as True
    assert "concurrency" not in workflow  # docs/ci.md says why none is needed
    base = github_env(workflow.get("env"), secrets)
    jobs = workflow["jobs"]
    done: list[str] = []
    while len(done) < len(jobs):
        for name, job in jobs.items():
            needs = job.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            if name not in done and all(n in done for n in needs):
                env = {**base, **github_env(job.get("env"), secrets)}
                for step in job["steps"]:
                    if "run" in step:
                        yield name, {**env, **github_env(step.get("env"), secrets)}, step["run"]
                    else:
                        assert step["uses"].split("@")[0] in (
                            "actions/checkout",
                            "actions/setup-python",
                        ), step
                done.append(name)


def gitlab_jobs(variables: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str], str]]:
    """(job, env, script) of each job whose rules run it on a tag, in stage order."""
    pipeline = yaml.safe_load((RECIPES / "gitlab-ci.yml").read_text())
    assert "resource_group" not in str(pipeline)
    default = pipeline.get("default", {})
    env = dict(variables)
    for name, value in pipeline.get("variables", {}).items():
        env[name] = string.Template(str(value)).substitute(env)
    for stage in pipeline["stages"]:
        for name, job in pipeline.items():
            if not isinstance(job, dict) or job.get("stage") != stage:
                continue
            assert any("$CI_COMMIT_TAG" in rule.get("if", "") for rule in job["rules"]), name
            lines = [*job.get("before_script", default.get("before_script", [])), *job["script"]]
            yield name, env, "\n".join(lines)


def runner_env(tmp_path: Path, installable: Path, moto_s3) -> dict[str, str]:
    """What every step sees besides the recipe's own variables."""
    venv = tmp_path / "venv"
    # The machine's packages (createrepo_c, boto3...) are visible; r2repo itself is installed
    # into the virtualenv by the recipe's own pip step.
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    # python -m pip in the virtualenv: the system's pip module, installing into the venv
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CI": "true",
        "AWS_ENDPOINT_URL": moto_s3.endpoint,  # instead of R2_ACCOUNT_ID's R2 endpoint
        "AWS_REGION": CREDENTIALS["AWS_REGION"],
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # i.e. off: setuptools is this machine's
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def checkout(tmp_path: Path) -> Path:
    """The project's checkout: the program the recipes package."""
    work = tmp_path / "checkout"
    (work / "bin").mkdir(parents=True)
    program = work / "bin/mytool"
    program.write_text('#!/bin/sh\necho "hello from mytool"\n')
    program.chmod(0o755)
    return work


def secrets_for(key_dir: Path, bucket: str, repo_url: str) -> dict[str, str]:
    return {
        "R2_ACCOUNT_ID": "",  # moto stands in for R2: AWS_ENDPOINT_URL in runner_env
        "AWS_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "R2REPO_SIGNING_KEY": (key_dir / "signing-key.asc").read_text(),
        "R2_BUCKET": bucket,
        "REPO_URL": repo_url,
    }


def check_clients(tmp_path: Path, store: str, key_dir: Path, port: int) -> None:
    """apt-get installs mytool from a codename and from stable; dnf from rpm/stable."""
    with serving(store, port) as url:
        for dist in ("noble", "stable"):
            apt = AptClient(tmp_path / f"apt-{dist}")
            apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} {dist} main"])
            apt.update()
            assert "Version: 1.2.3" in apt.show("mytool")
            apt.install("mytool")
            assert (tmp_path / f"apt-{dist}/usr/bin/mytool").read_text().startswith("#!/bin/sh")
        dnf = DnfClient(tmp_path / "dnf")
        repo = run(["curl", "-fsS", f"{url}rpm/stable/r2repo.repo"]).stdout
        assert f"baseurl={url}rpm/stable" in repo and "gpgcheck=1" in repo
        dnf.add_repo_file(repo)
        dnf.dnf("install", "mytool")
        assert dnf.installed() == ["mytool-1.2.3-1.noarch"]
        assert (tmp_path / "dnf/usr/bin/mytool").read_text().startswith("#!/bin/sh")


def listed(store: str, env: Mapping[str, str]) -> list[str]:
    done = subprocess.run(
        ["r2repo", "list", "--store", store], env=dict(env), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return sorted(done.stdout.splitlines())


def expected_listing() -> list[str]:
    debs = [f"{dist}\tmain\tmytool\t1.2.3\tall" for dist in CODENAMES]
    rpms = [f"{root}\trpm\tmytool\t1.2.3-1\tnoarch" for root in ("rpm/stable", "rpm/staging")]
    return sorted(debs + rpms)


def test_github_workflow_publishes_and_promotes(tmp_path, installable, moto_s3, key_dir):
    bucket, port = moto_s3.bucket("gh"), free_port()
    secrets = secrets_for(key_dir, bucket, f"http://127.0.0.1:{port}")
    runner = {
        **runner_env(tmp_path, installable, moto_s3),
        "GITHUB_REF": f"refs/tags/{TAG}",
        "GITHUB_REF_NAME": TAG,
        "GITHUB_REF_TYPE": "tag",
    }
    work = checkout(tmp_path)
    ran = []
    for job, env, script in github_steps(secrets):
        env = {**runner, **env}
        if env.get("R2REPO_INSTALL") == "r2repo":
            env["R2REPO_INSTALL"] = str(installable)  # this checkout, not PyPI's
        shell(script, work, env)
        ran.append(job)
    assert ran == ["publish", "publish", "publish", "promote", "promote"]
    assert (tmp_path / "venv/bin/r2repo").exists()  # the recipe's pip step installed it
    assert listed(f"s3://{bucket}", {**runner, **secrets}) == expected_listing()
    check_clients(tmp_path, f"s3://{bucket}", key_dir, port)


def test_gitlab_pipeline_publishes_and_promotes(tmp_path, installable, moto_s3, key_dir):
    bucket, port = moto_s3.bucket("gl"), free_port()
    variables = {
        **runner_env(tmp_path, installable, moto_s3),
        **secrets_for(key_dir, bucket, f"http://127.0.0.1:{port}"),
        "CI_COMMIT_TAG": TAG,
    }
    variables.pop("R2_ACCOUNT_ID")  # not defined at all, rather than empty
    work = checkout(tmp_path)
    ran = []
    for job, env, script in gitlab_jobs(variables):
        if env.get("R2REPO_INSTALL") == "r2repo":
            env = {**env, "R2REPO_INSTALL": str(installable)}  # this checkout, not PyPI's
        shell(script, work, env)
        ran.append(job)
    assert ran == ["publish", "promote"]
    assert (tmp_path / "venv/bin/r2repo").exists()  # the recipe's pip step installed it
    assert listed(f"s3://{bucket}", variables) == expected_listing()
    check_clients(tmp_path, f"s3://{bucket}", key_dir, port)
