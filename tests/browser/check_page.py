#!/usr/bin/env python3
"""The browser test of `newsidx serve`'s page, driven by tests/serve_browser.rs.

Usage: check_page.py BASE_URL OUT_DIR

Runs nine steps in headless Chromium (Selenium 4 and Debian's chromium and
chromium-driver), each ending with a screenshot OUT_DIR/NN-step.png. Exit 0
when every check held; 1 with one line per failed check on stderr; 2 when it
cannot run (selenium, chromium or chromedriver missing).
The queries assume an index of the repository's sample-corpus/.
"""
import json
import os
import re
import shutil
import sys
import urllib.parse
import urllib.request

# 18 hits in the sample corpus (so it pages), in four sections, most dated,
# in articles that name many people and places.
QUERY = "president"
PAGE = 10  # hits per page: page 2 starts at offset=10
WAIT = 10  # seconds any one explicit wait may take

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    selenium_missing = True
else:
    selenium_missing = False

failures = []


class Missing(Exception):
    """No element matches a selector the step needs."""


def cannot_run(message):
    print(f"cannot run: {message}", file=sys.stderr)
    sys.exit(2)


def fail(step, message):
    failures.append(f"{step}: {message}")
    print(f"FAIL {step}: {message}", file=sys.stderr)


def check(step, ok, message):
    if not ok:
        fail(step, message)
    return ok


def start_browser():
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    # Debian's /usr/bin/chromium is a wrapper script; chromedriver wants the real binary.
    browser = next((p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "") if os.path.exists(p)), None)
    if not browser or not os.path.exists(driver_path):
        missing = "chromium" if not browser else f"chromedriver ({driver_path})"
        cannot_run(f"{missing} is missing (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        # The explicit driver path keeps Selenium Manager from downloading one.
        return webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    except WebDriverException as e:
        cannot_run(f"chromium did not start: {e.msg}")


class Page:
    def __init__(self, driver, base, out):
        self.d, self.base, self.out = driver, base, out

    def q(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def one(self, css):
        found = self.q(css)
        if not found:
            raise Missing(f"expected an element matching {css!r}, found none")
        return found[0]

    def text(self, css):
        found = self.q(css)
        return found[0].text.strip() if found else None

    def url(self):
        return urllib.parse.parse_qs(urllib.parse.urlparse(self.d.current_url).query, keep_blank_values=True)

    def wait(self, cond, what):
        """Waits for cond(driver); raises TimeoutException saying what it waited for."""
        return WebDriverWait(self.d, WAIT, ignored_exceptions=[StaleElementReferenceException]).until(
            cond, f"waited {WAIT} s for {what}")

    def total(self):
        """N of '#status: N matches', or None while it says something else."""
        m = re.search(r"(\d[\d,\u202f\u00a0 ]*)\s*match", self.text("#status") or "")
        return int(re.sub(r"\D", "", m.group(1))) if m else None

    def snapshot(self):
        """What a new search changes on screen."""
        titles = [a.text for a in self.q("li.hit a.hit-title")[:1]]
        return (self.text("#status"), self.text("#page-info"), titles, len(self.q("li.hit")))

    def act_and_wait(self, action, what):
        """Runs action, then waits until the results on screen are new ones
        (the old first hit is gone or what is shown changed) and loaded."""
        before, old = self.snapshot(), self.q("li.hit")[:1]

        def renewed(_):
            if self.total() is None:
                return False
            if old:
                try:
                    old[0].is_displayed()
                except StaleElementReferenceException:
                    return True
            return self.snapshot() != before

        action()
        self.wait(renewed, f"the results to change after {what}")

    def load(self, query_string=""):
        self.d.get(self.base + query_string)
        self.wait(lambda _: self.q("input#q"), "input#q")

    def search(self, query):
        box = self.one("input#q")
        self.act_and_wait(lambda: (box.clear(), box.send_keys(query, Keys.ENTER)), f"searching {query!r}")

    def console_errors(self):
        """Severe console entries since the last call, less Chrome's own
        favicon request (not the page's doing)."""
        return [e["message"] for e in self.d.get_log("browser")
                if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def step1_load(p, s):
    p.load()
    with urllib.request.urlopen(p.base + "api/stats", timeout=WAIT) as r:
        stats = json.load(r)
    docs = stats.get("documents")
    if not check("01-load", isinstance(docs, int), f"/api/stats should give documents as a number; saw {docs!r}"):
        return
    shown = lambda _: str(docs) in re.sub(r"[,\u202f\u00a0]", "", (p.text("#status") or "") + " " + (p.text("footer") or ""))
    try:
        p.wait(shown, "the archive size")
    except TimeoutException:
        fail("01-load", f"#status or footer should show the archive size {docs} from /api/stats; "
             f"saw #status {p.text('#status')!r}, footer {p.text('footer')!r}")


def step2_search(p, s):
    p.search(QUERY)
    s["total"] = total = p.total()
    hits = p.q("li.hit")
    check("02-search", total is not None and total > PAGE,
          f"#status should say more than {PAGE} matches for {QUERY!r}; saw {p.text('#status')!r}")
    check("02-search", len(hits) == min(total or 0, PAGE), f"expected {min(total or 0, PAGE)} li.hit, saw {len(hits)}")
    for i, hit in enumerate(hits, 1):
        title = hit.find_elements(By.CSS_SELECTOR, "a.hit-title")
        check("02-search", title and title[0].text.strip(), f"hit {i} should have a.hit-title with text")
        marks = [m.text for m in hit.find_elements(By.CSS_SELECTOR, "p.hit-snippet mark")]
        # Every first-page hit of QUERY has it in its body; stemmed forms count, so compare a prefix.
        check("02-search", marks and all(m.lower().startswith(QUERY[:5]) for m in marks),
              f"hit {i}'s p.hit-snippet should mark {QUERY!r} (a word starting {QUERY[:5]!r}); saw marks {marks}")
    check("02-search", p.url().get("q") == [QUERY], f"URL should have q={QUERY}; saw {p.d.current_url}")


def step3_facet(p, s):
    facets = p.q("button.facet[data-kind=section]")
    kind = "section" if facets else "entity"
    facets = facets or p.q("button.facet[data-kind=entity]")
    if not check("03-facet", facets, "expected a button.facet[data-kind=section] (or entity) after a search"):
        return
    value = facets[0].get_attribute("data-value")
    p.act_and_wait(facets[0].click, f"clicking the {kind} facet {value!r}")
    s["kind"], s["value"], s["filtered"] = kind, value, p.total()
    try:
        p.wait(lambda _: kind in p.url(), f"{kind}= in the URL")
    except TimeoutException:
        fail("03-facet", f"URL should gain {kind}={value}; saw {p.d.current_url}")
    chips = p.q("#filters button.chip")
    check("03-facet", chips and any(value.lower() in c.text.lower() for c in chips),
          f"#filters should hold a button.chip naming {value!r}; saw {[c.text for c in chips]}")
    check("03-facet", s["filtered"] is not None and s["filtered"] <= s["total"],
          f"total after the filter should be <= {s['total']}; saw {p.text('#status')!r}")
    if kind == "section":
        other = [t.text for t in p.q("li.hit span.hit-section") if t.text.strip().lower() != value.lower()]
        check("03-facet", not other, f"every hit should be in section {value!r}; saw {other}")


def step4_paging(p, s):
    chips = p.q("#filters button.chip")
    if chips:  # a chip's click removes its filter: back to the unfiltered search
        p.act_and_wait(chips[0].click, "clicking the filter's chip")
        check("04-paging", not p.q("#filters button.chip") and s.get("kind") not in p.url(),
              f"clicking the chip should remove it and {s.get('kind')}= from the URL; saw {p.d.current_url}")
        check("04-paging", p.total() == s["total"],
              f"with the filter removed the total should be {s['total']} again; saw {p.text('#status')!r}")
    if (p.total() or 0) <= PAGE:  # the empty query lists every article, newest first
        p.load()
        p.search("")
    info1, first1 = p.text("#page-info"), p.text("li.hit a.hit-title")
    p.act_and_wait(p.one("button#next").click, "clicking button#next")
    info2, first2 = p.text("#page-info"), p.text("li.hit a.hit-title")
    check("04-paging", info2 != info1 and re.search(rf"\b{PAGE + 1}\b", info2 or ""),
          f"#page-info should change from {info1!r} to one starting at {PAGE + 1}; saw {info2!r}")
    check("04-paging", first2 != first1, f"page 2's first hit should differ from page 1's {first1!r}")
    check("04-paging", p.url().get("offset") == [str(PAGE)], f"URL should have offset={PAGE}; saw {p.d.current_url}")
    p.act_and_wait(p.d.back, "browser back")
    check("04-paging", (p.text("#page-info"), p.text("li.hit a.hit-title")) == (info1, first1),
          f"back should show page 1 ({info1!r}, {first1!r}); saw "
          f"{(p.text('#page-info'), p.text('li.hit a.hit-title'))!r}")


def step5_article(p, s):
    link = p.one("li.hit a.hit-title")
    title = link.text.strip()
    link.click()
    p.wait(lambda _: p.one("section#article").is_displayed(), "section#article visible")
    p.wait(lambda _: p.text("h2#article-title"), "h2#article-title")
    check("05-article", p.text("h2#article-title") == title,
          f"h2#article-title should be the hit's title {title!r}; saw {p.text('h2#article-title')!r}")
    check("05-article", p.text("div#article-body"), "div#article-body should have text")
    entities = p.q("ul#article-entities button.entity[data-value]")
    check("05-article", entities, "ul#article-entities should list button.entity[data-value] items")
    check("05-article", p.url().get("show"), f"URL should have show=; saw {p.d.current_url}")
    s["show"] = (p.url().get("show") or [""])[0]


def step6_histogram(p, s):
    # Escape closes the article view of step 5, back to its results.
    ActionChains(p.d).send_keys(Keys.ESCAPE).perform()
    try:
        p.wait(lambda _: not p.one("section#article").is_displayed() and "show" not in p.url(), "the article view to close")
        p.wait(lambda _: p.one("li.hit").is_displayed(), "the results again")
    except TimeoutException:
        fail("06-histogram", f"Escape should close the article view and drop show= from the URL; saw {p.d.current_url}")
        p.load(f"?q={QUERY}")
    p.wait(lambda _: p.q("section#histogram svg rect.bar"), "section#histogram svg rect.bar")
    bars = p.q("section#histogram svg rect.bar")
    bar = max(bars, key=lambda b: b.size["height"])  # the tallest is the easiest to hit
    check("06-histogram", bar.get_attribute("role") == "button" and bar.get_attribute("tabindex") is not None,
          f"rect.bar should be focusable with role=button; saw role={bar.get_attribute('role')!r} "
          f"tabindex={bar.get_attribute('tabindex')!r}")
    before = p.total()
    p.act_and_wait(bar.click, "clicking a histogram bar")
    try:
        p.wait(lambda _: "since" in p.url() and "until" in p.url(), "since= and until= in the URL")
        since, until = p.url()["since"][0], p.url()["until"][0]
        check("06-histogram", re.fullmatch(r"\d{4}-\d\d(-\d\d)?", since) and since[:7] == until[:7],
              f"a bar should narrow to one month; saw since={since!r} until={until!r}")
    except TimeoutException:
        fail("06-histogram", f"clicking a bar should add since= and until= to the URL; saw {p.d.current_url}")
    check("06-histogram", (p.total() or 0) <= (before or 0) and p.q("li.hit"),
          f"a bar should narrow the {before} matches to fewer, and show them; saw {p.text('#status')!r}")


def step7_keyboard(p, s):
    p.load()
    p.wait(lambda _: p.text("#status"), "#status to say something")
    # The box may be autofocused, and there '/' is a character to type: the
    # shortcut is for when the focus is elsewhere, so move it off first.
    p.d.execute_script("document.activeElement.blur()")
    ActionChains(p.d).send_keys("/").perform()
    active = lambda: p.d.execute_script("return document.activeElement")
    check("07-keyboard", active().get_attribute("id") == "q",
          f"'/' should focus input#q; focus is on {active().tag_name}#{active().get_attribute('id')}")
    p.act_and_wait(lambda: ActionChains(p.d).send_keys(QUERY, Keys.ENTER).perform(), "typing a query and Enter")
    check("07-keyboard", p.one("input#q").get_attribute("value") == QUERY,
          f"input#q should hold {QUERY!r} (no '/'); saw {p.one('input#q').get_attribute('value')!r}")
    seen_hit = seen_next = False
    for _ in range(150):
        ActionChains(p.d).send_keys(Keys.TAB).perform()
        el = active()
        seen_hit |= p.d.execute_script("return !!arguments[0].closest('ol#results')", el)
        seen_next |= el.get_attribute("id") == "next"
        if seen_next:
            break
    check("07-keyboard", seen_hit, "Tab should reach a link in ol#results")
    check("07-keyboard", seen_next, "Tab should reach button#next (within 150 presses)")


def step8_phone(p, s):
    p.d.set_window_size(390, 844)
    overflow = "return [document.documentElement.scrollWidth, window.innerWidth]"
    if s.get("show"):  # the article of step 5, opened by its URL; its screenshot beside the step's
        p.load("?" + urllib.parse.urlencode({"q": QUERY, "show": s["show"]}))
        p.wait(lambda _: p.text("div#article-body"), "div#article-body")
        sw, iw = p.d.execute_script(overflow)
        check("08-phone", sw <= iw + 1, f"an article 390 px wide should not scroll sideways: scrollWidth {sw} > innerWidth {iw}")
        p.d.save_screenshot(os.path.join(p.out, "08-phone-article.png"))
    p.load(f"?q={QUERY}")
    p.wait(lambda _: p.q("li.hit"), "li.hit")
    sw, iw = p.d.execute_script(overflow)
    check("08-phone", sw <= iw + 1, f"results 390 px wide should not scroll sideways: scrollWidth {sw} > innerWidth {iw}")


def step9_shared(p, s):
    p.d.set_window_size(1280, 1000)
    kind, value = s.get("kind", "section"), s.get("value", "politics")
    p.load("?" + urllib.parse.urlencode({"q": QUERY, kind: value}))
    p.wait(lambda _: p.q("li.hit") and p.total() is not None, "li.hit and a total")
    check("09-shared-url", p.one("input#q").get_attribute("value") == QUERY,
          f"input#q should be prefilled with {QUERY!r}; saw {p.one('input#q').get_attribute('value')!r}")
    chips = [c.text for c in p.q("#filters button.chip")]
    check("09-shared-url", any(value.lower() in c.lower() for c in chips), f"#filters should hold a chip for {value!r}; saw {chips}")
    if "filtered" in s:
        check("09-shared-url", p.total() == s["filtered"],
              f"the shared URL should find the {s['filtered']} matches of step 3; saw {p.text('#status')!r}")


STEPS = [("01-load", step1_load), ("02-search", step2_search), ("03-facet", step3_facet),
         ("04-paging", step4_paging), ("05-article", step5_article), ("06-histogram", step6_histogram),
         ("07-keyboard", step7_keyboard), ("08-phone", step8_phone), ("09-shared-url", step9_shared)]


def main():
    if len(sys.argv) != 3:
        cannot_run(__doc__.split("\n\n")[1])
    if selenium_missing:
        cannot_run("the Python package selenium is missing (python3 -m pip install selenium)")
    base = sys.argv[1].rstrip("/") + "/"
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    driver = start_browser()
    p, state = Page(driver, base, out), {}
    try:
        for name, step in STEPS:
            try:
                step(p, state)
            except TimeoutException as e:
                fail(name, e.msg)
            except Missing as e:
                fail(name, str(e))
            except (WebDriverException, OSError) as e:  # a browser error, a dead server
                fail(name, f"{type(e).__name__}: {getattr(e, 'msg', None) or e}")
            for message in p.console_errors():  # a JS error or a CSP violation
                fail(name, f"severe console entry: {message[:300]}")
            driver.save_screenshot(os.path.join(out, f"{name}.png"))
    finally:
        driver.quit()
    print(f"{len(STEPS)} steps, {len(failures)} failed checks; screenshots in {out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
