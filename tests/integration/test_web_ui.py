"""The web front end in a real browser (Debian's Chromium driven by Playwright) against the app
under uvicorn, on the embedded graph with a real guideline: a reviewer signs in and judges three
items by keyboard; a clinician asks, opens a citation and flags it. Accessibility basics are
checked in the browser. Screenshots go to $CKG_UI_SCREENSHOTS when set (reports/ui/ in the repo)."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from access.roles import Role
from api.app import create_app
from runtime.system import System

from .api_support import free_port, settings_for
from .conftest import REVIEW_QUESTIONS

TABLET = {"width": 820, "height": 1180}


def chromium() -> str:
    """Debian's chromium (`.ci/run` installs it); its absence is a failure, not a skip."""
    path = os.environ.get("CKG_CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is not installed: apt-get install chromium (see .ci/run)"
    return path


@pytest.fixture(scope="module")
def system(review_home: Path) -> Iterator[System]:
    settings = settings_for(review_home).model_copy(deep=True)
    settings.review.sample_rate = 0.0
    system = System.open(settings)
    for question in REVIEW_QUESTIONS[4:7]:  # answers whose citations wait in the queue
        system.reviews.enqueue(system.ask(question), "traffic")
    yield system
    system.close()


@pytest.fixture(scope="module")
def base_url(system: System) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(system.settings, system), port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), chromium_sandbox=False)
        yield launched
        launched.close()


def screenshot(page: Page, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CKG_UI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def sign_in(page: Page, base_url: str, target: str, key: str) -> None:
    page.goto(base_url + target)
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    page.get_by_label("API key or access token").fill(key)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def unlabelled_fields(page: Page) -> list[str]:
    return page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
        .filter(e => e.labels.length === 0).map(e => e.name || e.id)""")


def verdict_contrasts(page: Page) -> dict[str, float]:
    """WCAG contrast ratio of each verdict button's text against its background."""
    return page.evaluate("""() => {
        const lum = (rgb) => { const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map(Number).map(v => v / 255)
            .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4); return 0.2126*r + 0.7152*g + 0.0722*b; };
        return Object.fromEntries([...document.querySelectorAll('button.label')].map(b => {
            const s = getComputedStyle(b), a = lum(s.color), c = lum(s.backgroundColor);
            return [b.value, (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05)]; })); }""")


def focus_order(page: Page, presses: int) -> list[str]:
    """What Tab reaches, in order, from the top of the page."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    order = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.dataset.key ? 'verdict ' + e.dataset.key : e.id || e.name || "
                                   "e.textContent.trim().slice(0, 20))(document.activeElement)"))
    return order


def test_a_reviewer_judges_three_items_by_keyboard(browser: Browser, base_url: str, system: System,
                                                   tmp_path: Path) -> None:
    key, row = system.authenticator.keys.create("browser reviewer", Role.reviewer)
    reviewer = f"key:{row.key_id}"
    page = browser.new_page(viewport=TABLET)
    sign_in(page, base_url, "/review", key)
    assert unlabelled_fields(page) == []
    contrasts = verdict_contrasts(page)
    assert len(contrasts) == 5 and min(contrasts.values()) >= 4.5, contrasts
    order = focus_order(page, 14)
    verdicts = [o for o in order if o.startswith("verdict")]
    assert verdicts == [f"verdict {n}" for n in range(1, 6)], order
    assert order.index("comment") > order.index("verdict 5")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    screenshot(page, "review", tmp_path)

    judged, seconds = [], []
    for keystroke, label in (("1", "supports"), ("3", "does_not_support"), ("5", "not_relevant")):
        item_id = page.locator("input[name=item_id]").input_value()
        page.locator("main").click(position={"x": 1, "y": 1})  # focus the page, not a field
        started = time.perf_counter()
        with page.expect_navigation():
            page.keyboard.press(keystroke)
        expect(page.locator("#previous")).to_be_visible()
        seconds.append(time.perf_counter() - started)
        judged.append((item_id, label))
    for item_id, label in judged:
        mine = [r for r in system.reviews.item(item_id).reviews if r["reviewer"] == reviewer]
        assert [r["label"] for r in mine] == [label] and mine[0]["seconds"] >= 0 and mine[0]["role"] == "reviewer"
    print(f"\nreview by keyboard: {len(judged)} items, {sum(seconds) / len(seconds) * 1000:.0f} ms per item "
          "from keystroke to the next item shown")

    page.keyboard.press("p")  # back to the last item: the earlier verdict is shown, and can be replaced
    expect(page.get_by_text("Your earlier verdict: Not relevant to the question")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})  # the whole table in the screenshot
    page.goto(base_url + "/attribution")
    assert unlabelled_fields(page) == []
    judgements = page.locator("tbody tr", has_text="ngc-10008").locator("td").nth(4).inner_text()
    assert int(judgements) >= 3  # the judgements column counts this reviewer's three
    screenshot(page, "attribution", tmp_path)


def test_a_clinician_asks_opens_a_citation_and_flags_it(browser: Browser, base_url: str, system: System,
                                                        tmp_path: Path) -> None:
    key, _ = system.authenticator.keys.create("browser clinician", Role.clinician)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base_url, "/ask", key)
    assert unlabelled_fields(page) == []
    page.get_by_label("Clinical question").fill(REVIEW_QUESTIONS[0])
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_role("heading", name="Answer")).to_be_visible()
    page.locator("a.marker").first.click()
    citation = page.locator("details#cite-1")
    expect(citation).to_have_attribute("open", "")
    expect(citation.locator("mark")).to_be_visible()
    expect(citation).to_contain_text("ngc-10008@")  # the version
    expect(citation).to_contain_text("U.S. Preventive Services Task Force")  # the developer
    screenshot(page, "ask", tmp_path)

    citation.get_by_label("Note for reviewers").fill("the grade shown looks wrong")
    citation.get_by_role("button", name="Flag this citation for review").click()
    expect(page.get_by_role("heading", name="Sent to review")).to_be_visible()
    flagged = [i for i in system.reviews.items() if i.origin == "flag" and i.note == "the grade shown looks wrong"]
    assert len(flagged) == 1 and flagged[0].risk >= 1.0

    page.goto(base_url + "/review")  # a clinician may ask, not review
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
