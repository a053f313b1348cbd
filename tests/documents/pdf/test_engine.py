"""The PDF engine: a fetcher that loads nothing from the network or outside its roots."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError, fetch

from app.config import get_settings
from app.documents.pdf import engine
from app.documents.pdf import fetcher as fetcher_module
from app.documents.pdf.fetcher import Asset, PdfFetcher, RefusedURL
from tests.documents.helpers import PNG_1PX, Canary, page_count, pages_text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/canary",
        "https://example.com/logo.png",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "file:///apex/static/../../etc/passwd",
        "file:///apex/static/%2e%2e/%2e%2e/etc/passwd",
        "file:///apex/assets/../static/app.css",
        "file://evil.example.com/apex/static/app.css",
        "file:///apex/other/file.png",
        "gopher://127.0.0.1/x",
        "javascript:alert(1)",
        "file:///apex/assets/" + "0" * 64 + "/missing.png",
    ],
)
def test_fetcher_refuses_everything_outside_its_roots(url: str) -> None:
    fetcher = PdfFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_data_urls_static_files_and_given_assets() -> None:
    sha = hashlib.sha256(PNG_1PX).hexdigest()
    fetcher = PdfFetcher({sha: Asset("image/png", PNG_1PX)})
    data_url = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert fetcher.fetch(data_url).read() == PNG_1PX
    assert fetcher.fetch("data:text/plain,hello%20there").read() == b"hello there"
    static = fetcher.fetch("file:///apex/static/app.css")
    assert static.read() == (fetcher_module.STATIC_DIR / "app.css").read_bytes()
    asset = fetcher.fetch(f"file:///apex/assets/{sha}/dot.png")
    assert asset.read() == PNG_1PX
    assert asset.content_type == "image/png"
    assert fetcher.refused == []


def test_fetcher_refuses_symlinks_out_of_static(tmp_path, monkeypatch) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(fetcher_module, "STATIC_DIR", static)
    with pytest.raises(RefusedURL):
        PdfFetcher().fetch("file:///apex/static/link.txt")


def test_weasyprint_skips_refused_resources_and_fetches_nothing(canary: Canary, caplog) -> None:
    html = f"""<html><head><style>
      body {{ background: url("{canary.url}/css-background") }}
      </style></head><body>
      <p>Canary page</p>
      <img src="{canary.url}/canary" alt="">
      <img src="file:///etc/passwd" alt="">
      <img src="file:///apex/static/../../etc/passwd" alt="">
      <img src="../../../etc/passwd" alt="">
      <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
        <image href="{canary.url}/svg-image" width="10" height="10"/>
      </svg>
      <link rel="stylesheet" href="{canary.url}/style.css">
    </body></html>"""
    pdf = engine.render_pdf(html)
    assert canary.requests == []
    assert pages_text(pdf)[0].strip().startswith("Canary page")
    assert b"root:" not in pdf
    assert b"/Subtype /Image" not in pdf  # nothing was embedded as an image


def test_a_fetcher_error_never_stops_the_render() -> None:
    # WeasyPrint's wrapper turns our refusal into the error on which it skips a resource
    # (not a FatalURLFetchingError, which would stop the render).
    with pytest.raises(URLFetchingError), fetch(PdfFetcher(), "http://127.0.0.1:9/x"):
        pass


def test_rendering_twice_gives_the_same_bytes() -> None:
    html = (
        '<html><head><meta name="dcterms.created" content="2026-12-04T00:00:00Z"></head>'
        "<body><p>Zoë Ødegård · 李小龍 · محمد</p></body></html>"
    )
    assert engine.render_pdf(html) == engine.render_pdf(html)


def test_a_repeated_document_is_written_once_per_occurrence_with_the_same_text() -> None:
    body = engine.render_document(
        "<p>Shared body, page one</p><p style='break-before: page'>Two</p>"
    )
    covers = engine.split_pages(
        engine.render_document(
            "<p>Cover A</p><p style='break-before: page'>Cover B</p>"
            "<p style='break-before: page'>Cover C</p>"
        ),
        1,
    )
    assert len(covers) == 3
    pdf = engine.write_pdf([doc for cover in covers for doc in (cover, body)])
    text = pages_text(pdf)
    assert page_count(pdf) == 9
    assert [t.strip() for t in text] == [
        "Cover A", "Shared body, page one", "Two",
        "Cover B", "Shared body, page one", "Two",
        "Cover C", "Shared body, page one", "Two",
    ]  # fmt: skip


def test_paper_size_follows_the_setting(monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "paper_size", "Letter")
    letter = PdfReader(io.BytesIO(engine.render_pdf("<p>x</p>"))).pages[0].mediabox
    monkeypatch.setattr(get_settings(), "paper_size", "A4")
    a4 = PdfReader(io.BytesIO(engine.render_pdf("<p>x</p>"))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
