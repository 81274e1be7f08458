"""Make an asv-published site render without network access.

asv's ``index.html`` loads jQuery, flot and its plugins, flot-orderbars,
stupidtable, blueimp-md5 and bootstrap from public CDNs; without internet the
page only shows asv's "external dependencies failed to load" notice. Here
every such tag is pointed at a local copy under ``<site>/vendor/``, taken
from the npm package of the same library and version (``npm pack``, fetched
once into a per-user cache and checked against the tarball hash pinned
below). A tag keeps its ``integrity`` attribute only when the local file is
byte-identical to what the hash names; ``crossorigin`` and
``referrerpolicy`` are dropped, since the copies are same-origin.

Nothing third-party is stored in the repository: the cache lives under
``$XDG_CACHE_HOME/vecbench/asv-assets`` (default ``~/.cache/...``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from vecbench import VecbenchError
from vecbench.files import replace_file

#: Where the copies go inside the published site.
VENDOR_DIR = "vendor"


@dataclass(frozen=True)
class Asset:
    """One CDN file asv references and the npm package file that replaces it."""

    url: str
    package: str
    version: str
    file: str  # path inside the package tarball, below ``package/``
    also: tuple[str, ...] = ()  # further package paths the file needs (fonts)
    note: str = ""

    @property
    def local(self) -> str:
        """Path of the copy relative to the site root."""
        return f"{VENDOR_DIR}/{self.package}-{self.version}/{self.file}"


_FLOT = "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/"
_FLOT_NOTE = "flot's npm package ships unminified sources only"
_BOOTSTRAP_FONTS = tuple(f"dist/fonts/glyphicons-halflings-regular.{ext}" for ext in ("eot", "svg", "ttf", "woff"))

#: Every external file asv 0.6's index.html references, keyed by its URL.
ASSETS = {a.url: a for a in (
    Asset("https://code.jquery.com/jquery-3.3.1.min.js", "jquery", "3.3.1", "dist/jquery.min.js"),
    Asset(_FLOT + "jquery.flot.min.js", "flot", "0.8.3", "jquery.flot.js", note=_FLOT_NOTE),
    Asset(_FLOT + "jquery.flot.time.min.js", "flot", "0.8.3", "jquery.flot.time.js", note=_FLOT_NOTE),
    Asset(_FLOT + "jquery.flot.selection.min.js", "flot", "0.8.3", "jquery.flot.selection.js", note=_FLOT_NOTE),
    Asset(_FLOT + "jquery.flot.categories.min.js", "flot", "0.8.3", "jquery.flot.categories.js", note=_FLOT_NOTE),
    Asset("https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js",
          "flot-orderbars", "1.0.0", "js/jquery.flot.orderBars.js"),
    # 1.0.1 was never published to npm; 1.1.3 is the only version there and
    # keeps the same $.fn.stupidtable API asv calls.
    Asset("https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js",
          "stupid-table-plugin", "1.1.3", "stupidtable.min.js",
          note="stupidtable 1.0.1 is not on npm; using stupid-table-plugin 1.1.3"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js",
          "blueimp-md5", "2.19.0", "js/md5.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js",
          "bootstrap", "3.1.1", "dist/js/bootstrap.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css",
          "bootstrap", "3.1.1", "dist/css/bootstrap.min.css", also=_BOOTSTRAP_FONTS),
)}

#: npm's ``dist.integrity`` of each tarball: a cached or fetched tarball that
#: does not match is refused.
TARBALLS = {
    ("jquery", "3.3.1"): "sha512-Ubldcmxp5np52/ENotGxlLe6aGMvmF4R8S6tZjsP6Knsaxd/xp3Zrh50cG93lR6nPXyUFwzN3ZSOQI0wRJNdGg==",
    ("flot", "0.8.3"): "sha512-xg2otcTJDvS+ERK+my4wxG/ASq90QURXtoM4LhacCq0jQW2jbyjdttbRNqU2cPykrpMvJ6b2uSp6SAgYAzj9tQ==",
    ("flot-orderbars", "1.0.0"): "sha512-Jv51fvzevUjNXEeozpwEKfPjhiZhfiJddv0WHjduUTCmSF+7T5K7C9c9Y1wIVmUhDBv5fLMjgbwKecT0GIKPZA==",
    ("stupid-table-plugin", "1.1.3"): "sha512-2Vk7XouQPxUQPRe9w0Fu7ZZ8kHLK7rDoLMsCgtKxRNJ7f4dSOGvW9CkHsq5wD6QsaEnWoyLBYH3xOEsrK3yWBg==",
    ("blueimp-md5", "2.19.0"): "sha512-DRQrD6gJyy8FbiE4s+bDoXS9hiW3Vbx5uCdwvcCf3zLHL+Iv7LtGHLpr+GZV8rHG8tK766FGYBwRbu8pELTt+w==",
    ("bootstrap", "3.1.1"): "sha512-TAzqS8E/ISpVHP29gYhy+1NSV+FJwApDVQhDfgLYsIuUDJiqJzH2DfORN5tiu+Ie2iBLrzEG34t4Rf465cigqg==",
}

NPM_TIMEOUT = 120  # seconds for one `npm pack`; a registry that never answers must not hang a publish


class AssetsUnavailable(VecbenchError):
    """The npm packages could not be had (no npm, no registry, bad tarball)."""


@dataclass
class OfflineResult:
    """What ``make_offline`` did to a site."""

    replaced: list[tuple[Asset, bool]] = field(default_factory=list)  # (asset, integrity kept)
    unknown: list[str] = field(default_factory=list)  # external URLs with no local copy known

    @property
    def offline(self) -> bool:
        return not self.unknown

    def summary(self) -> str:
        kept = sum(k for _, k in self.replaced)
        line = (f"{len(self.replaced)} external files replaced by local copies "
                f"({kept} with their integrity hash kept)")
        if self.unknown:
            line += f"; still external, the site needs network for: {', '.join(self.unknown)}"
        return line


def cache_dir() -> Path:
    """The per-user cache of npm tarballs."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vecbench" / "asv-assets"


def sri(data: bytes, algorithm: str) -> str:
    """Subresource-integrity string (``sha256-<base64>``) of ``data``."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _verified(path: Path, expected: str) -> bool:
    return path.is_file() and sri(path.read_bytes(), expected.split("-", 1)[0]) == expected


def fetch_package(package: str, version: str, cache: Path | None = None) -> Path:
    """Tarball of ``package@version`` from the cache, fetched with ``npm pack`` if absent."""
    expected = TARBALLS[(package, version)]
    cache = cache or cache_dir()
    tarball = cache / f"{package}-{version}.tgz"
    if _verified(tarball, expected):
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsUnavailable("npm not found")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", f"{package}@{version}", "--json", "--pack-destination", tmp,
                 "--fetch-retries=1", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise AssetsUnavailable(f"npm pack {package}@{version} timed out after {NPM_TIMEOUT} s") from None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise AssetsUnavailable(f"npm pack {package}@{version} failed: {last}")
        try:
            fetched = Path(tmp) / json.loads(proc.stdout)[0]["filename"]
        except (ValueError, LookupError, TypeError):
            raise AssetsUnavailable(f"npm pack {package}@{version}: unexpected output") from None
        if not _verified(fetched, expected):
            raise AssetsUnavailable(f"npm pack {package}@{version}: tarball does not match its pinned hash")
        os.replace(fetched, tarball)
    return tarball


def read_member(tarball: Path, file: str) -> bytes:
    """Bytes of ``package/<file>`` inside an npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        try:
            member = tar.extractfile(f"package/{file}")
        except KeyError:
            member = None
        if member is None:
            raise AssetsUnavailable(f"{tarball.name} has no file {file}")
        return member.read()


# -- rewriting the pages -----------------------------------------------------

_TAG = re.compile(r"<(script|link)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_DROPPED = {"crossorigin", "referrerpolicy"}


def _attrs(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), None if m.group(2) is None else m.group(2).strip("\"'")) for m in _ATTR.finditer(text)]


def _is_external(url: str) -> bool:
    return bool(re.match(r"(?i)(https?:)?//", url))


def _loaded_url(tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
    """The URL a ``<script>`` or ``<link>`` makes the browser load, if any."""
    values = {n.lower(): v for n, v in attrs}
    if tag.lower() == "script":
        return values.get("src")
    if "alternate" in (values.get("rel") or "").lower().split():
        return None  # a feed link is not fetched by the page
    return values.get("href")


def external_urls(html: str) -> list[str]:
    """URLs of the scripts and stylesheets ``html`` loads from another host."""
    urls = (_loaded_url(m.group(1), _attrs(m.group(2))) for m in _TAG.finditer(html))
    return [u for u in urls if u and _is_external(u)]


def rewrite_page(html: str, local_bytes: dict[str, bytes]) -> tuple[str, list[tuple[Asset, bool]]]:
    """``html`` with each known external tag pointed at its local copy.

    ``local_bytes`` maps a CDN URL to the content of its local copy, which
    decides whether the tag's ``integrity`` hash still holds.
    """
    done: list[tuple[Asset, bool]] = []

    def one(m: re.Match) -> str:
        attrs = _attrs(m.group(2))
        link = _loaded_url(m.group(1), attrs)
        if link not in local_bytes:
            return m.group(0)
        asset = ASSETS[link]
        data = local_bytes[link]
        out, kept = [], False
        for name, value in attrs:
            key = name.lower()
            if key in _DROPPED:
                continue
            if key == "integrity":
                # A tag may list several hashes; the copy must match one of them.
                kept = any(sri(data, h.split("-", 1)[0]) == h for h in (value or "").split()
                           if h.split("-", 1)[0] in hashlib.algorithms_available)
                if not kept:
                    continue
            if key in ("src", "href"):
                value = asset.local
            out.append(name if value is None else f'{name}="{value}"')
        done.append((asset, kept))
        return f"<{m.group(1)} {' '.join(out)}>"

    return _TAG.sub(one, html), done


def make_offline(site: Path, cache: Path | None = None) -> OfflineResult:
    """Copy every known external asset of the site's pages under ``site/vendor`` and repoint the tags.

    Raises AssetsUnavailable (pages untouched) when a package cannot be had.
    Running it again on a site already made offline changes nothing.
    """
    pages = sorted(site.glob("*.html"))
    if not pages:
        raise VecbenchError(f"no HTML pages in {site}: publish the asv site first")
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    urls = list(dict.fromkeys(u for t in texts.values() for u in external_urls(t)))
    result = OfflineResult(unknown=[u for u in urls if u not in ASSETS])
    known = [ASSETS[u] for u in urls if u in ASSETS]

    # Fetch everything first so that a missing package leaves the pages as asv wrote them.
    tarballs = {(a.package, a.version): None for a in known}
    for package, version in tarballs:
        tarballs[(package, version)] = fetch_package(package, version, cache)
    local_bytes = {}
    for a in known:
        tarball = tarballs[(a.package, a.version)]
        local_bytes[a.url] = read_member(tarball, a.file)
        for file, data in [(a.file, local_bytes[a.url])] + [(f, read_member(tarball, f)) for f in a.also]:
            replace_file(site / VENDOR_DIR / f"{a.package}-{a.version}" / file, data)
    for page, text in texts.items():
        new, done = rewrite_page(text, local_bytes)
        if new != text:
            replace_file(page, new.encode("utf-8"))
        result.replaced += done
    return result
