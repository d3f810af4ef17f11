"""The warning desk (/warnings) in a real browser against a real server, people signed in with
the session: an operator drafts a warning on the page (the communes picked on the map) and sees
who is inside; the page offers them no approve or send, and the API refuses both; a supervisor,
whose list got the draft live, approves and sends it (confirmed with the counts), and it is on
the Atom feed; a drill (CAP Test) sent the same way is shown as a drill everywhere on the page
and is not on the feed. No raw code on screen in either language."""
from __future__ import annotations

import re

import pytest
from lxml import etree

from tests.helpers import http
from tests.helpers.browser import ARTIFACTS, Watch, assert_clean
from tests.helpers.people import PASSWORD, add_user, sign_in
from tests.helpers.warnings import ATOM, KIM_LONG, PHU_XUAN

READY = ("() => window.iocWarnings && iocWarnings.ready"
         " && iocWarnings.map.map.deck.isInitialized")
# A code on screen in either language: snake_case, a dotted category key, null, undefined; in
# Vietnamese also a status or CAP code shown as it is (in English some are plain words).
CODE = r"\b[a-z]+_[a-z_]+\b|\bwarning\.[a-z]|\bnull\b|\bundefined\b"
RAW = {"en": re.compile(CODE),
       "vi": re.compile(CODE + r"|\b(draft|approved|sent|cancelled|Actual|Test|Exercise|Immediate|"
                        r"Expected|Severe|Extreme|Moderate|Likely|Observed|Evacuate|Prepare)\b")}
#: The page's text, without what is written in English on purpose (the public page's English
#: half, the English fields) when the page is in Vietnamese.
TEXT = """(lang) => {
  let text = document.body.innerText;
  if (lang === 'vi') for (const el of document.querySelectorAll('[lang=en]')) {
    text = text.replace(el.innerText, '');
  }
  return text;
}"""


@pytest.fixture
def desk(browser, server):
    """Return open(username) → (page, watch): the desk signed in as ``username`` (a tablet
    held landscape, 1280×800); every context closed after."""
    made = []

    def _open(username: str):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        made.append(context)
        page = context.new_page()
        watch = Watch(server.url)
        watch.attach(page)
        page.goto(f"{server.url}/login?next=/warnings")
        page.wait_for_function("() => window.iocLogin && iocLogin.ready")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(re.compile(r"/warnings$"))
        page.wait_for_function(READY, timeout=30_000)
        return page, watch

    yield _open
    for context in made:
        context.close()


def point_in(router, code: str) -> tuple[float, float]:
    """A (lon, lat) inside commune ``code``."""
    p = router.areaset.by_code(code).geometry.representative_point()
    return p.x, p.y


def click_commune(page, router, code: str) -> None:
    """Click the map inside commune ``code``."""
    lon, lat = point_in(router, code)
    where = "([lon, lat]) => iocWarnings.map.screenPoint(lon, lat)"
    before = None
    for _ in range(50):  # the map may still be flying to the last warning
        xy = page.evaluate(where, [lon, lat])
        if xy == before:
            break
        before = xy
        page.wait_for_timeout(150)
    page.mouse.click(xy["x"], xy["y"])


def draft_on_page(page, router, headline: tuple[str, str], drill: str | None = None) -> str:
    """Write a warning on the desk with Kim Long and Phú Xuân picked on the map; return its id."""
    page.click("#new")
    page.wait_for_selector("#editor:not([hidden])")
    if drill:
        page.check(f"#f-status-{drill}")
        page.wait_for_selector("#editor-drill:not([hidden])")
    page.fill("#f-headline-vi", headline[0])
    page.fill("#f-headline-en", headline[1])
    page.fill("#f-description-vi", "Nước sông Hương lên nhanh.")
    page.fill("#f-description-en", "The Hương is rising fast.")
    page.fill("#f-instruction-vi", "Di chuyển người và tài sản lên cao.")
    page.fill("#f-instruction-en", "Move people and belongings to higher ground.")
    page.select_option("#f-severity", "Severe")
    page.check("#f-responses input[value=Evacuate]")
    page.click("#f-save")  # nothing picked yet: the page says what is missing
    assert "xã, phường" in page.text_content("#editor-error")
    for n, code in enumerate((KIM_LONG, PHU_XUAN), 1):
        page.wait_for_timeout(500)  # two quick clicks close together are a double click (zoom)
        click_commune(page, router, code)
        page.wait_for_selector(f"#f-communes[data-count='{n}'] li[data-code='{code}']")
    page.click("#f-save")
    page.wait_for_selector("#review:not([hidden])[data-status=draft]")
    return page.get_attribute("#review", "data-id")


def feed_titles(server) -> list[str]:
    """The titles on the public Atom feed."""
    feed = etree.fromstring(http("GET", f"{server.url}/api/v1/public/warnings.atom").raw)
    return [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]


def assert_no_raw_code(page) -> None:
    """Neither language shows a code as it is (the CAP message's own text aside)."""
    if page.is_visible("#tab-public"):
        page.click("#tab-public")
    for lang in ("vi", "en"):
        page.evaluate("(l) => iocWarnings.i18n.setLang(l)", lang)
        text = page.evaluate(TEXT, lang)
        found = [m.group(0) + " @ " + text[max(0, m.start() - 60):m.end() + 20]
                 for m in RAW[lang].finditer(text)]
        assert not found, (lang, found)
    page.evaluate("() => iocWarnings.i18n.setLang('vi')")


def test_a_warning_is_drafted_checked_approved_sent_and_on_the_feed(server, router, desk):
    add_user(server, "lan.op", "operator", name="Trần Thị Lan")
    add_user(server, "minh.sup", "supervisor", name="Lê Văn Minh")
    assert server.call(server.features.get("warnings").desk.seed_contacts()) == 10
    sup_page, sup_watch = desk("minh.sup")
    op_page, op_watch = desk("lan.op")

    wid = draft_on_page(op_page, router, ("Lũ lên nhanh trên sông Hương", "Hương rising fast"))
    op_page.wait_for_selector("#r-reach dd[data-key=contacts]")
    contacts = int(op_page.get_attribute("#r-reach dd[data-key=contacts]", "data-count"))
    assert contacts >= 1  # the illustrative subscribers of Kim Long / Phú Xuân
    assert op_page.locator("#r-actions [data-action=approve]").count() == 0
    assert op_page.locator("#r-actions [data-action=send]").count() == 0
    assert op_page.locator("#r-actions [data-action=edit]").count() == 1
    assert op_page.is_visible("#r-none")
    op_page.click("#tab-cap")
    assert "<status>Draft</status>" in op_page.text_content("#p-cap")
    op_page.click("#tab-public")
    assert "Di chuyển người và tài sản lên cao." in op_page.text_content("#p-public")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    op_page.screenshot(path=str(ARTIFACTS / "warnings-operator-draft.png"))
    session = sign_in(server, "lan.op")  # the API refuses the operator too
    for action in ("approve", "send"):
        r = session.http("POST", f"/api/v1/warnings/{wid}/transitions", {"action": action})
        assert r.status == 403, r.body

    # the supervisor's list got it live; they approve and send it
    row = f"#list li[data-id='{wid}']"
    sup_page.wait_for_selector(row)
    sup_page.click(row)
    sup_page.wait_for_selector(f"#review[data-id='{wid}'] #r-actions [data-action=approve]")
    sup_page.click("#r-actions [data-action=approve]")
    sup_page.wait_for_selector("#review[data-status=approved] #r-actions [data-action=send]")
    sup_page.click("#r-actions [data-action=send]")
    sup_page.wait_for_selector("#r-confirm:not([hidden])")
    assert str(contacts) in sup_page.text_content("#r-confirm-text")
    assert feed_titles(server) == []  # not before it is confirmed
    sup_page.click("#r-confirm-yes")
    sup_page.wait_for_selector("#review[data-status=sent]")
    assert feed_titles(server) == ["Lũ lên nhanh trên sông Hương / Hương rising fast"]
    op_page.wait_for_selector(f"#list li[data-id='{wid}'][data-status=sent]")  # live there too
    assert sup_page.locator("#r-actions [data-action=cancel]").count() == 1
    assert "Lê Văn Minh" in sup_page.text_content("#r-history")
    sup_page.screenshot(path=str(ARTIFACTS / "warnings-supervisor-sent.png"))

    # a drill: drafted and sent the same way, a drill everywhere, never on the feed
    drill = draft_on_page(op_page, router, ("Diễn tập lũ", "Flood drill"), drill="Test")
    assert op_page.is_visible("#r-drill")
    sup_page.wait_for_selector(f"#list li[data-id='{drill}'][data-drill='1']")
    sup_page.click(f"#list li[data-id='{drill}']")
    sup_page.wait_for_selector(f"#review[data-id='{drill}'] #r-actions [data-action=approve]")
    assert sup_page.is_visible("#r-drill")
    assert "DIỄN TẬP" in sup_page.text_content("#p-public")
    sup_page.click("#r-actions [data-action=approve]")
    sup_page.wait_for_selector("#review[data-status=approved] #r-actions [data-action=send]")
    sup_page.click("#r-actions [data-action=send]")
    assert "DIỄN TẬP" in sup_page.text_content("#r-confirm-text")
    sup_page.click("#r-confirm-yes")
    sup_page.wait_for_selector("#review[data-status=sent]")
    sup_page.click("#tab-cap")
    assert "<status>Test</status>" in sup_page.text_content("#p-cap")
    assert feed_titles(server) == ["Lũ lên nhanh trên sông Hương / Hương rising fast"]
    assert_no_raw_code(sup_page)
    assert_no_raw_code(op_page)
    assert_clean(op_watch)
    assert_clean(sup_watch)
