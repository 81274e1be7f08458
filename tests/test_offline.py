"""The asv site made offline: every CDN tag repointed to a verified local copy."""

import io
import re
import shutil
import tarfile
from pathlib import Path

import asv
import pytest

from vecbench.history import offline

ASV_WWW = Path(asv.__file__).parent / "www"


def test_every_external_file_asv_references_has_a_local_replacement():
    urls = offline.external_urls((ASV_WWW / "index.html").read_text())
    assert urls, "asv's index.html no longer loads anything from a CDN?"
    assert [u for u in urls if u not in offline.ASSETS] == []
    assert all(a in offline.TARBALLS for a in {(a.package, a.version) for a in offline.ASSETS.values()})


def test_integrity_is_kept_only_for_a_byte_identical_copy():
    url = "https://code.jquery.com/jquery-3.3.1.min.js"
    good = offline.sri(b"same bytes", "sha256")
    html = f'<script src="{url}" integrity="{good}" crossorigin="anonymous" onerror="f()"></script>'
    kept, done = offline.rewrite_page(html, {url: b"same bytes"})
    assert kept == (f'<script src="{offline.ASSETS[url].local}" integrity="{good}" onerror="f()"></script>')
    assert done == [(offline.ASSETS[url], True)]
    dropped, done = offline.rewrite_page(html, {url: b"other bytes"})
    assert "integrity" not in dropped and "crossorigin" not in dropped and offline.ASSETS[url].local in dropped
    assert done == [(offline.ASSETS[url], False)]


def test_links_that_are_not_loaded_and_local_tags_are_left_alone():
    html = ('<link rel="alternate" href="https://example.org/feed.xml"><script src="asv.js"></script>'
            '<a href="https://github.com/airspeed-velocity/asv/">asv</a>')
    assert offline.external_urls(html) == []
    assert offline.rewrite_page(html, {})[0] == html


def _fake_npm_cache(cache: Path, monkeypatch) -> dict:
    """Tarballs holding every needed file with made-up content; pins their hashes."""
    files: dict[tuple[str, str], list[str]] = {}
    for a in offline.ASSETS.values():
        files.setdefault((a.package, a.version), []).extend([a.file, *a.also])
    pins = {}
    cache.mkdir(parents=True, exist_ok=True)
    for (package, version), names in files.items():
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name in dict.fromkeys(names):
                data = f"/* {package} {name} */".encode()
                info = tarfile.TarInfo(f"package/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        (cache / f"{package}-{version}.tgz").write_bytes(buf.getvalue())
        pins[(package, version)] = offline.sri(buf.getvalue(), "sha512")
    monkeypatch.setattr(offline, "TARBALLS", pins)
    return pins


def test_make_offline_leaves_no_external_tag_and_is_idempotent(tmp_path, monkeypatch):
    site = tmp_path / "html"
    shutil.copytree(ASV_WWW, site)
    _fake_npm_cache(tmp_path / "cache", monkeypatch)
    result = offline.make_offline(site, tmp_path / "cache")
    assert result.offline and len(result.replaced) == len(offline.ASSETS)
    assert not any(kept for _, kept in result.replaced)  # made-up bytes match no CDN hash
    html = (site / "index.html").read_text()
    assert offline.external_urls(html) == []
    for a in offline.ASSETS.values():
        assert f'"{a.local}"' in html
        assert (site / a.local).read_bytes() == f"/* {a.package} {a.file} */".encode()
    bootstrap_css = offline.ASSETS["https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css"]
    assert all((site / offline.VENDOR_DIR / "bootstrap-3.1.1" / f).is_file() for f in bootstrap_css.also)
    again = offline.make_offline(site, tmp_path / "cache")
    assert again.replaced == [] and (site / "index.html").read_text() == html


def test_missing_npm_is_one_line_and_pages_stay_untouched(tmp_path, monkeypatch):
    site = tmp_path / "html"
    shutil.copytree(ASV_WWW, site)
    before = (site / "index.html").read_text()
    monkeypatch.setattr(offline.shutil, "which", lambda name: None)
    with pytest.raises(offline.AssetsUnavailable, match="^npm not found$"):
        offline.make_offline(site, tmp_path / "empty-cache")
    assert (site / "index.html").read_text() == before
    assert not (site / offline.VENDOR_DIR).exists()


def test_a_tampered_cached_tarball_is_not_used(tmp_path, monkeypatch):
    pins = _fake_npm_cache(tmp_path, monkeypatch)
    package, version = next(iter(pins))
    (tmp_path / f"{package}-{version}.tgz").write_bytes(b"tampered")
    monkeypatch.setattr(offline.shutil, "which", lambda name: None)  # and no way to fetch it again
    with pytest.raises(offline.AssetsUnavailable):
        offline.fetch_package(package, version, tmp_path)


def test_a_site_with_no_pages_is_an_error(tmp_path):
    with pytest.raises(offline.VecbenchError, match="publish the asv site first"):
        offline.make_offline(tmp_path)


@pytest.fixture(scope="session")
def real_tarballs():
    """The real npm packages (from the per-user cache, fetched once); skips when they cannot be had."""
    try:
        return {key: offline.fetch_package(*key) for key in offline.TARBALLS}
    except offline.AssetsUnavailable as exc:
        pytest.skip(f"asv's JavaScript packages cannot be had: {exc}")


def test_real_packages_hold_every_file_and_keep_the_hashes_they_match(real_tarballs):
    html = (ASV_WWW / "index.html").read_text()
    cdn_hash = {m.group(1): m.group(2) for m in re.finditer(r'(?:src|href)="([^"]+)" integrity="([^"]+)"', html)}
    identical = set()
    for a in offline.ASSETS.values():
        data = offline.read_member(real_tarballs[(a.package, a.version)], a.file)
        algorithm = cdn_hash[a.url].split("-", 1)[0]
        if offline.sri(data, algorithm) == cdn_hash[a.url]:
            identical.add(a.package)
    # The npm builds of these are the very files the CDNs serve; flot's npm
    # package has no minified files and stupidtable 1.0.1 is not on npm.
    assert identical == {"jquery", "flot-orderbars", "blueimp-md5", "bootstrap"}


def test_history_publish_only_rebuilds_an_offline_asv_site_and_the_static_page(tmp_path, monkeypatch, capsys):
    from tests import toy_asv
    from vecbench.cli import main
    from vecbench.history import page as history_page

    toy = toy_asv.build(tmp_path / "toy")
    monkeypatch.chdir(toy.root)
    _fake_npm_cache(tmp_path / "cache", monkeypatch)
    monkeypatch.setattr(offline, "cache_dir", lambda: tmp_path / "cache")
    assert main(["history", "--publish-only"]) == 0
    page = toy.html / history_page.PAGE_DIR / "index.html"
    assert page.is_file() and "<img" in page.read_text()
    assert offline.external_urls((toy.html / "index.html").read_text()) == []
    out = capsys.readouterr().out
    assert f"asv site made to work offline: {len(offline.ASSETS)} external files replaced" in out
    assert "stupidtable 1.0.1 is not on npm" in out and f"static history page (no JavaScript, opens from disk): {page}" in out
    for asv_page in ("index.html", "error.html"):  # both point at the page that needs no JavaScript
        assert 'href="history/index.html"' in (toy.html / asv_page).read_text()

    # Without the packages: one line about it, and the static page all the same.
    monkeypatch.setattr(offline, "cache_dir", lambda: tmp_path / "empty")
    monkeypatch.setattr(offline.shutil, "which", lambda name: None)
    page.unlink()
    assert main(["history", "--publish-only"]) == 0
    out = capsys.readouterr().out
    assert ("asv site still needs network (its JavaScript could not be had: npm not found); "
            "the static history page needs none\n") in out
    assert page.is_file()
