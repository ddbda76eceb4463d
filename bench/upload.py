"""`python -m bench.upload TREE BUCKET [--manifest FILE]`: the seed's way to put a repository
built on disk into a bucket, as the cloudflared release script does: boto3, one file after the
other. With --manifest, only files whose size or mtime changed since the run that wrote it
(what an "upload what changed" step does after createrepo_c --update)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import boto3

SKIPPED = ("conf", "db", ".cache")  # reprepro's own state is not published


def tree(root: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for directory, folders, files in os.walk(root):
        if Path(directory) == root:
            folders[:] = [f for f in folders if f not in SKIPPED]
        for name in files:
            path = Path(directory) / name
            stat = path.stat()
            found[str(path.relative_to(root))] = [stat.st_size, stat.st_mtime_ns]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload")
    parser.add_argument("tree", type=Path)
    parser.add_argument("bucket")
    parser.add_argument("--manifest", type=Path)
    args = parser.parse_args(argv)
    client = boto3.client("s3")
    now = tree(args.tree)
    before: dict[str, list[int]] = {}
    if args.manifest is not None and args.manifest.exists():
        before = json.loads(args.manifest.read_text())
    for name, stamp in sorted(now.items()):
        if before.get(name) != stamp:
            client.upload_file(str(args.tree / name), args.bucket, name)
    if args.manifest is not None:
        args.manifest.write_text(json.dumps(now))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
