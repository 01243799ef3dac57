"""The written scouting report in a real browser: it opens offline (no request but its
own file, no console error) and prints on Letter and A4 without a figure cut across a
page boundary."""

from __future__ import annotations

import pytest

from coverage.opener import open_store
from coverage.report import build_report
from coverage.report.html import render_html
from tests.builders.server import chromium, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MM = 96 / 25.4  # CSS px per millimetre
MARGIN_MM = 14  # the report's @page margin
# paper (width, height) in mm
WEEKS = [1, 2]
PAPERS = {"Letter": (215.9, 279.4), "A4": (210.0, 297.0)}


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def report_file(explain_models, tmp_path_factory):
    """The fullest report the test stores give: charted figures and the model's, the
    attribution's included."""
    store = open_store(explain_models / "store")
    attributed = store.read_output("attribution").join(
        store.all_plays().select("gameId", "playId", "defensiveTeam"), on=["gameId", "playId"])
    team = sorted(attributed["defensiveTeam"].unique().to_list())[0]
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(build_report(store, team, WEEKS)), encoding="utf-8")
    return path


def test_the_report_opens_offline_with_no_console_error(browser, report_file) -> None:
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = report_file.as_uri()
    page.goto(url, wait_until="load")
    assert page.locator("figure").count() >= 12
    assert page.get_by_text("Who gives it away").count() == 1
    # the telling plays' stills are inline data: URIs, decoded with no request
    assert page.locator("figure.play").count() >= 1
    assert page.eval_on_selector_all("figure.play img", "els => els.every(e => "
                                     "e.complete && e.naturalWidth > 0)")
    assert page.get_by_text("Against motion").count() >= 1
    assert requests == [url] and errors == []
    page.close()


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_no_figure_is_cut_by_a_printed_page(browser, report_file, tmp_path, paper) -> None:
    width_mm, height_mm = PAPERS[paper]
    content_w = round((width_mm - 2 * MARGIN_MM) * MM)
    content_h = (height_mm - 2 * MARGIN_MM) * MM
    page = browser.new_page(viewport={"width": content_w, "height": round(content_h)})
    page.goto(report_file.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    boxes = page.eval_on_selector_all(
        "figure", "els => els.map(e => [e.getBoundingClientRect().height, e.scrollWidth,"
        " e.querySelector('figcaption') ? e.querySelector('figcaption').textContent : ''])")
    assert boxes
    for height, width, caption in boxes:
        assert height <= content_h, f"{paper}: figure {caption[:60]!r} is {height:.0f} px " \
                                    f"tall, a printed page holds {content_h:.0f}"
        assert width <= content_w, f"{paper}: figure {caption[:60]!r} is {width} px wide"
    pdf = tmp_path / f"report_{paper}.pdf"
    page.pdf(path=str(pdf), format=paper)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    page.close()
