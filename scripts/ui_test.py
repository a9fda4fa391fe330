#!/usr/bin/env python3
"""End-to-end browser tests of Rapport's pages: headless Chromium through WebDriver (selenium)
against a running server with the demo data (scripts/ui-test.sh starts one and runs this).

Environment:
  RAPPORT_UI_BASE_URL          http://127.0.0.1:PORT
  RAPPORT_UI_TOKEN             an administrator's API token (drives the contact centre's events)
  RAPPORT_UI_PASSWORD_<LOGIN>  the demo users' passwords (AGENT, SUPERVISOR, MARKETER, OUTSIDE, ADMIN)
  RAPPORT_UI_SCREENSHOTS       where screenshots go (default artifacts/screenshots)

Every check prints a line. A failing scenario saves a screenshot and the page source of each open
browser (FAIL-<scenario>-<browser>.png/.html), the scenarios that need it are skipped, the others
still run, and the script exits 1. Waits are explicit (WebDriverWait, 20 s); nothing sleeps.
"""
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("RAPPORT_UI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
TOKEN = os.environ.get("RAPPORT_UI_TOKEN", "")
SHOTS = Path(os.environ.get("RAPPORT_UI_SCREENSHOTS", "artifacts/screenshots"))
CHROMIUM = os.environ.get("RAPPORT_UI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RAPPORT_UI_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 20
SESSION_COOKIE = "rapport_session"
# Ivan Petrov's mobile in the demo data, written the way a switch might send it.
IVAN_PHONE = "8 (916) 123-45-67"
IVAN_E164 = "+79161234567"
RUN = uuid.uuid4().hex[:8]


class CheckFailed(Exception):
    pass


def ok(text):
    print(f"  ok    {text}", flush=True)


def note(text):
    print(f"  note  {text}", flush=True)


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def password(login):
    value = os.environ.get(f"RAPPORT_UI_PASSWORD_{login.upper()}")
    require(value, f"no password for demo user {login!r} (RAPPORT_UI_PASSWORD_{login.upper()})")
    return value


# --- The API, for what a telephony platform or a second screen would do -------------------------

def api(method, path, body=None, cookie=None, expect=(200, 201, 204)):
    """One API call with the administrator's token (or a session cookie); returns (status, headers, body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if cookie is not None:
        request.add_header("Cookie", f"{SESSION_COOKIE}={cookie}")
    else:
        request.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    text = raw.decode("utf-8", "replace")
    parsed = text
    if "json" in (headers.get("Content-Type") or ""):
        parsed = json.loads(text) if text else None
    if expect and status not in expect:
        raise CheckFailed(f"{method} {path} answered {status}: {text[:500]}")
    return status, headers, parsed


def agent_record(key):
    _, _, body = api("GET", "/api/v1/agents")
    for agent in body.get("items", []):
        if agent.get("key") == key:
            return agent
    raise CheckFailed(f"GET /api/v1/agents lists no agent with key {key!r}")


def set_agent_state(key, state):
    api("PUT", f"/api/v1/agents/{agent_record(key)['id']}/state", {"state": state})


def post_events(events, card=False):
    _, _, body = api("POST", "/api/v1/cti/events" + ("?card=true" if card else ""), {"events": events})
    for result in body.get("results", []):
        require(result.get("status") == "applied", f"contact event {result.get('event_id')} not applied: {json.dumps(result)[:500]}")
    return body


def offer_and_queue(contact_id, queue, address=IVAN_PHONE):
    return post_events([
        {"event_id": f"{contact_id}-offered", "type": "offered", "contact_id": contact_id, "channel": "phone", "address": address},
        {"event_id": f"{contact_id}-queued", "type": "queued", "contact_id": contact_id, "queue": queue},
    ], card=True)


def wallboard_waiting(queue):
    _, _, body = api("GET", "/api/v1/wallboard")
    for q in body.get("queues", []):
        if q.get("key") == queue:
            return q.get("waiting")
    raise CheckFailed(f"GET /api/v1/wallboard has no queue {queue!r}")


# --- Browsers --------------------------------------------------------------------------------------

class Browser:
    """One Chromium with cookies of its own: one signed-in user."""

    all = []
    console_lines = []  # (browser, level, message) of the browsers closed so far
    scenario = None     # the scenario running now

    def __init__(self, name, keep=False):
        """`keep`: lives on after the scenario that opened it (the agent's, used by several scenarios)."""
        self.name = name
        self.keep = keep
        self.used_in = Browser.scenario
        options = Options()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                         "--disable-dev-shm-usage", "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(WAIT * 2)
        Browser.all.append(self)

    def quit(self):
        self.collect_console()
        try:
            self.driver.quit()
        except WebDriverException:
            pass
        if self in Browser.all:
            Browser.all.remove(self)

    # Navigation and waiting

    def open(self, path):
        self.driver.get(BASE + path)
        self.loaded()
        PageChecks.visited(self)

    def loaded(self):
        self.until(lambda d: d.execute_script("return document.readyState") == "complete", "the page to finish loading")

    def until(self, condition, what, timeout=WAIT):
        self.used_in = Browser.scenario
        try:
            # A live part redrawn under the check (innerHTML replaced) is looked up again.
            return WebDriverWait(self.driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)
        except TimeoutException:
            raise CheckFailed(f"[{self.name}] waited {timeout} s for {what}; at {self.path()}") from None

    def path(self):
        url = urllib.parse.urlsplit(self.driver.current_url)
        return url.path + (f"?{url.query}" if url.query else "")

    def at(self, path, query=None):
        """Waits until the browser shows `path` (and the query parameters given, when given)."""
        wanted = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

        def arrived(d):
            url = urllib.parse.urlsplit(d.current_url)
            if url.path != path:
                # Landed somewhere else for good: an error page, or no page of ours at all.
                if d.execute_script("return document.readyState") == "complete" \
                        and (d.find_elements(By.ID, "error-page") or not d.find_elements(By.ID, "page-title")):
                    status = d.execute_script("var e = document.getElementById('error-page'); return e ? e.dataset.status : null;")
                    text = d.find_element(By.TAG_NAME, "body").text.strip().replace("\n", " ")[:200]
                    raise CheckFailed(f"[{self.name}] expected {wanted}, got {'an error page (status ' + status + ')' if status else 'a page without #page-title'}"
                                      f" at {self.path()}: {text!r}")
                return False
            return query is None or all(urllib.parse.parse_qs(url.query).get(k) == [v] for k, v in query.items())
        self.until(arrived, f"the address {wanted}")
        self.loaded()
        PageChecks.visited(self)

    def submit(self, button):
        """Clicks a button that posts a form and waits for the next page to replace this one."""
        button.click()
        self.until(EC.staleness_of(button), "the form's answer to replace the page")
        self.loaded()
        PageChecks.visited(self)

    def find(self, css, within=None, what=None):
        root = within or self.driver
        return self.until(lambda d: root.find_element(By.CSS_SELECTOR, css), what or f"element {css}")

    def visible(self, css, what=None):
        return self.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), what or f"{css} to be visible")

    def exists(self, css):
        return len(self.driver.find_elements(By.CSS_SELECTOR, css)) > 0

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # Page-level checks

    def page_ok(self, what):
        """A page is fine when it has its title and is not the error page."""
        require(self.exists("#page-title"), f"[{self.name}] {what}: no #page-title at {self.path()}")
        if self.exists("#error-page"):
            status = self.find("#error-page").get_attribute("data-status")
            message = self.find("#error-page").text.strip().replace("\n", " ")
            raise CheckFailed(f"[{self.name}] {what}: error page (status {status}) at {self.path()}: {message[:300]}")

    def set_marker(self):
        self.js("window.__marker = 42;")

    def marker_kept(self, what):
        require(self.js("return window.__marker === 42;"), f"[{self.name}] the page was reloaded during {what} (window.__marker is gone)")

    def screenshot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))

    def save_failure(self, scenario):
        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = SHOTS / f"FAIL-{scenario}-{self.name}"
        try:
            self.driver.save_screenshot(str(stem) + ".png")
            stem.with_suffix(".html").write_text(self.driver.page_source, encoding="utf-8")
            print(f"        saved {stem}.png and .html ({self.path()})", flush=True)
        except WebDriverException as error:
            print(f"        could not save the page of {self.name}: {error.msg}", flush=True)

    def collect_console(self):
        try:
            for entry in self.driver.get_log("browser"):
                Browser.console_lines.append((self.name, entry.get("level"), entry.get("message", "")))
        except WebDriverException:
            pass

    def cookie(self):
        cookie = self.driver.get_cookie(SESSION_COOKIE)
        require(cookie, f"[{self.name}] no {SESSION_COOKIE} cookie")
        return cookie["value"]

    def sign_in(self, login, after):
        """On the sign-in page: signs in and waits to land on `after`."""
        self.find("#f-login").clear()
        self.find("#f-login").send_keys(login)
        self.find("#f-password").clear()
        self.find("#f-password").send_keys(password(login))
        self.submit(self.find("#sign-in"))
        refused = self.driver.find_elements(By.ID, "form-error")
        require(not refused, f"[{self.name}] signing in as {login} was refused: {refused[0].text.strip() if refused else ''}")
        self.at(after)

    def open_signed_in(self, path, login):
        """Opens a page that needs sign-in: through the sign-in page and back to it."""
        self.open(path)
        self.at("/sign-in", {"next": path})
        self.sign_in(login, path)


class PageChecks:
    """Checks that hold on every page visited: ids are unique, and the page's own CSP lets its script run."""
    duplicates = {}

    @classmethod
    def visited(cls, browser):
        ids = browser.js("""
            var seen = {}, twice = [];
            document.querySelectorAll('[id]').forEach(function (el) {
              if (seen[el.id]) { if (twice.indexOf(el.id) < 0) { twice.push(el.id); } } else { seen[el.id] = true; }
            });
            return twice;""")
        if ids:
            page = urllib.parse.urlsplit(browser.driver.current_url).path
            cls.duplicates.setdefault(page, set()).update(ids)


# --- Scenarios -------------------------------------------------------------------------------------

SCENARIOS = []


def scenario(name, needs=()):
    def register(function):
        SCENARIOS.append((name, tuple(needs), function))
        return function
    return register


class State:
    agent = None          # the agent's browser, signed in
    party_id = None       # Ivan Petrov
    popped_party = None   # the customer whose card popped
    contact_id = None     # the popped contact (the platform's id)


@scenario("sign-in")
def sign_in():
    b = State.agent = Browser("agent", keep=True)
    b.open("/desk")
    b.at("/sign-in", {"next": "/desk"})
    ok("GET /desk without a session goes to /sign-in?next=/desk")
    b.page_ok("sign-in page")
    b.screenshot("sign-in")
    b.find("#f-login").send_keys("agent")
    b.find("#f-password").send_keys("not-the-password-" + RUN)
    b.submit(b.find("#sign-in"))
    b.visible("#form-error", "#form-error after a wrong password")
    require(b.find("#f-login").get_attribute("value") == "agent",
            f"the login is not kept after a wrong password: #f-login is {b.find('#f-login').get_attribute('value')!r}")
    require(b.find("#f-password").get_attribute("value") == "", "the password is shown again after a failed sign-in")
    next_field = b.driver.find_elements(By.CSS_SELECTOR, "#sign-in-form input[name=next]")
    require(next_field and next_field[0].get_attribute("value") == "/desk", "the failed sign-in forgot where to go next (/desk)")
    ok("a wrong password shows #form-error and keeps the typed login and the next page")
    b.sign_in("agent", "/desk")
    b.page_ok("desk")
    require(b.driver.get_cookie(SESSION_COOKIE) is not None, f"no {SESSION_COOKIE} cookie after signing in")
    ok("signing in as agent lands on /desk")


@scenario("screen-pop", needs=["sign-in"])
def screen_pop():
    b = State.agent
    b.open("/desk")
    b.page_ok("desk")
    Select(b.find("select#state")).select_by_value("available")
    b.submit(b.find("#set-state"))
    b.at("/desk")
    b.until(lambda d: d.find_element(By.ID, "agent-state").get_attribute("data-state") == "available",
            '#agent-state data-state="available"')
    ok("choosing available in select#state and #set-state makes #agent-state available")
    b.set_marker()
    # The desk's live stream is open once a state change made elsewhere reaches the page.
    for state in ("away", "available"):
        set_agent_state("agent", state)
        b.until(lambda d: d.find_element(By.ID, "agent-state").get_attribute("data-state") == state,
                f'#agent-state data-state="{state}" from the live stream after PUT /agents/{{id}}/state')
    b.marker_kept("the live state changes")
    ok("state changes made through the API reach #agent-state live (the stream is connected)")
    State.contact_id = f"ui-{RUN}-call"
    answer = offer_and_queue(State.contact_id, "retail")
    offered = answer["results"][0]
    party = (offered.get("identification") or {}).get("party_id")
    require(party, f"the offered call from {IVAN_PHONE} was not identified: {json.dumps(offered.get('identification'))[:300]}")
    assigned = [a for a in answer.get("assignments", []) if a.get("contact_id") == State.contact_id]
    require(assigned and assigned[0].get("agent") == "agent",
            f"routing did not give the call in queue retail to agent 'agent': assignments {answer.get('assignments')}")
    ok(f"a call from {IVAN_PHONE} offered and queued in retail is routed to agent 'agent'")
    b.until(lambda d: d.find_element(By.CSS_SELECTOR, "#pop #pop-banner").is_displayed(), "#pop-banner inside #pop")
    greeting = b.until(lambda d: d.find_element(By.ID, "card-greeting").text.strip(), "#card-greeting to show text")
    b.marker_kept("the screen pop")
    State.popped_party = b.find("#pop #card").get_attribute("data-party")
    require(State.popped_party and State.popped_party.lower() == party.lower(),
            f"the popped card is of party {State.popped_party}, the call was identified as {party}")
    require(b.exists("#pop #wrap-up-form"), "the popped card has no #wrap-up-form")
    ok(f"the card pops without a reload: #pop-banner, #card-greeting {greeting!r}")
    b.screenshot("desk-popped-card")


@scenario("wrap-up", needs=["screen-pop"])
def wrap_up():
    b = State.agent
    outcome = f"UI wrap-up {RUN}: tariff explained"
    form = b.find("#pop #wrap-up-form")
    b.find("#f-outcome", within=form).send_keys(outcome)
    resolved = b.find("#f-resolved", within=form)
    if not resolved.is_selected():
        resolved.click()
    b.submit(b.find("#wrap-up", within=form))
    b.at(f"/parties/{State.popped_party}")
    b.page_ok("customer page after wrap-up")
    b.until(EC.text_to_be_present_in_element((By.ID, "timeline"), outcome), f"the outcome {outcome!r} in #timeline")
    ok("#wrap-up goes to the customer page, whose #timeline shows the outcome")
    require(agent_record("agent")["state"] == "available", "the agent is not available again after the wrap-up")
    ok("after the wrap-up the agent is available again")
    b.screenshot("customer")


@scenario("field-errors", needs=["sign-in"])
def field_errors():
    b = State.agent
    b.open(f"/parties/{State.party_id}")
    b.page_ok("customer page")
    form = b.find("#request-form")
    Select(b.find("select[name=type]", within=form)).select_by_value("complaint")
    subject = b.find("[name=subject]", within=form)
    subject.clear()
    b.submit(b.find("button[type=submit]", within=form))
    form = b.find("#request-form")
    error = b.until(lambda d: form.find_element(By.CSS_SELECTOR, ".error"), "an .error inside #request-form")
    require(error.text.strip(), "the .error inside #request-form is empty")
    chosen = Select(b.find("select[name=type]", within=form)).first_selected_option.get_attribute("value")
    require(chosen == "complaint", f"the chosen request type is not kept after the error: {chosen!r} is selected")
    field = b.find("[name=subject]", within=form)
    require(field.get_attribute("aria-invalid") == "true", "the empty subject is not marked aria-invalid")
    ok(f"an empty subject in #request-form shows {error.text.strip()!r} beside it and keeps the type 'complaint'")


@scenario("language", needs=["sign-in"])
def language():
    b = State.agent
    b.open("/desk")
    first_lang = b.find("html").get_attribute("lang")
    first_title = b.find("#page-title").text.strip()
    if first_lang != "ru":
        note(f"the demo agent's pages are in {first_lang!r}, not 'ru'")
    for expected_back in (False, True):
        before_lang = b.find("html").get_attribute("lang")
        before_title = b.find("#page-title").text.strip()
        b.submit(b.find("#switch-language"))
        b.at("/desk")
        b.page_ok("desk after switching the language")
        lang = b.find("html").get_attribute("lang")
        title = b.find("#page-title").text.strip()
        require(lang != before_lang and lang in ("en", "ru"), f"html[lang] did not flip: {before_lang!r} → {lang!r}")
        require(title != before_title, f"#page-title did not change with the language: {title!r}")
        ok(f"#switch-language: html[lang] {before_lang} → {lang}, #page-title {before_title!r} → {title!r}")
    require(lang == first_lang and title == first_title, "switching twice did not come back to the first language")


@scenario("stale-session", needs=["sign-in"])
def stale_session():
    b = State.agent
    page = f"/parties/{State.party_id}"
    b.open(page)
    b.page_ok("customer page")
    b.driver.delete_cookie(SESSION_COOKIE)
    b.open(page)
    b.at("/sign-in", {"next": page})
    ok(f"without the session cookie {page} goes to /sign-in?next={page}")
    b.sign_in("agent", page)
    b.page_ok("customer page after signing in again")
    ok("signing in again returns to the customer page")
    # A cookie whose session no longer exists (signed out elsewhere, expired) is no session either.
    b.driver.add_cookie({"name": SESSION_COOKIE, "value": "ended-" + RUN, "path": "/"})
    b.open(page)
    b.at("/sign-in", {"next": page})
    b.sign_in("agent", page)
    ok("an unknown session cookie goes to sign-in and back too")


@scenario("wallboard", needs=[])
def wallboard():
    b = Browser("supervisor")
    b.open_signed_in("/wallboard", "supervisor")
    b.page_ok("wallboard")
    ok("supervisor signs in and opens /wallboard")
    queue = "b2b"  # skills b2b + ru: no available agent has them, so a call there waits
    row = f'#wallboard-live table#queues tr[data-queue="{queue}"] td.waiting'

    def waiting(d):
        # Read in one script call: the live part may be redrawn between finding a node and reading it.
        text = (d.execute_script("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", row) or "").strip()
        return int(text) if text.isdigit() else None

    before = b.until(lambda d: waiting(d) is not None and (waiting(d),), f"a number in {row}")[0]
    ok(f"#wallboard-live table#queues shows queue {queue} with {before} waiting")
    b.set_marker()
    contact = f"ui-{RUN}-waiting"
    answer = offer_and_queue(contact, queue)
    require(not [a for a in answer.get("assignments", []) if a.get("contact_id") == contact],
            f"the call in {queue} was routed at once, so nothing waits: {answer.get('assignments')}")
    expected = wallboard_waiting(queue)
    require(expected != before, f"GET /api/v1/wallboard still shows {expected} waiting in {queue}")
    b.until(lambda d: waiting(d) == expected, f"{row} to change from {before} to {expected} live")
    b.marker_kept("the wallboard's live update")
    ok(f"a queued call changes {queue}'s waiting {before} → {expected} without a reload")
    require(b.exists("svg#chart-hourly"), "no svg#chart-hourly on the wallboard")
    ok("svg#chart-hourly is drawn")
    link = b.find("#download-csv")
    href = link.get_attribute("href")
    require(href, "#download-csv has no href")
    path = urllib.parse.urlsplit(href)
    status, headers, body = api("GET", path.path + (f"?{path.query}" if path.query else ""), cookie=b.cookie(), expect=None)
    require(status == 200, f"#download-csv ({href}) answered {status}")
    content_type = headers.get("Content-Type") or ""
    require(content_type.startswith("text/csv"), f"#download-csv is {content_type!r}, not text/csv")
    header = body.splitlines()[0] if body else ""
    require("," in header, f"#download-csv has no header line: {header!r}")
    ok(f"#download-csv answers text/csv with the header {header[:80]!r}")
    b.screenshot("wallboard")


@scenario("marketing", needs=[])
def marketing():
    b = Browser("marketer")
    b.open_signed_in("/marketing", "marketer")
    b.page_ok("marketing")
    ok("marketer opens /marketing")
    b.screenshot("marketing")


@scenario("calls", needs=[])
def calls():
    b = Browser("outside")
    b.open_signed_in("/calls", "outside")
    b.page_ok("calling list")
    ok("outside agent opens /calls")
    b.screenshot("calls")


@scenario("admin", needs=[])
def admin():
    b = Browser("admin")
    b.open_signed_in("/admin", "admin")
    b.page_ok("admin")
    ok("admin opens /admin")
    b.screenshot("admin")
    links = []
    for a in b.driver.find_elements(By.CSS_SELECTOR, "a[href]"):
        href = urllib.parse.urlsplit(a.get_attribute("href"))
        if href.netloc == urllib.parse.urlsplit(BASE).netloc and href.path.startswith("/admin/"):
            target = href.path + (f"?{href.query}" if href.query else "")
            if target not in links:
                links.append(target)
    if not links:
        note("/admin links to no /admin/… page")
    for target in links:
        b.open(target)
        b.page_ok(target)
        ok(f"admin opens {target}")
    if State.agent is not None:
        State.agent.open("/admin")
        require(State.agent.exists("#error-page"), "agent 'agent' is shown /admin")
        status = State.agent.find("#error-page").get_attribute("data-status")
        require(status == "403", f"agent 'agent' on /admin gets an error page with status {status}, not 403")
        ok("agent 'agent' is refused /admin (403 page)")


# --- Running ---------------------------------------------------------------------------------------

def main():
    print(f"UI tests against {BASE} (run {RUN}); screenshots in {SHOTS}", flush=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("FAIL-*"):
        old.unlink()
    _, _, owner = api("GET", "/api/v1/identities/owner?" + urllib.parse.urlencode({"kind": "phone", "address": IVAN_E164}))
    State.party_id = owner["party_id"]
    started = time.monotonic()
    outcome = {}
    for name, needs, function in SCENARIOS:
        missing = [n for n in needs if outcome.get(n) != "passed"]
        if missing:
            print(f"SKIP  {name} (needs {', '.join(missing)})", flush=True)
            outcome[name] = "skipped"
            continue
        print(f"----  {name}", flush=True)
        t0 = time.monotonic()
        open_before = list(Browser.all)
        Browser.scenario = name
        try:
            function()
            outcome[name] = "passed"
            print(f"PASS  {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        except Exception as error:  # any failure: report it, keep the evidence, go on with the rest
            outcome[name] = "failed"
            message = str(error) if isinstance(error, CheckFailed) else "".join(traceback.format_exception_only(type(error), error)).strip()
            if isinstance(error, WebDriverException):
                message = f"{type(error).__name__}: {error.msg}"
            print(f"FAIL  {name}: {message}", flush=True)
            if not isinstance(error, (CheckFailed, WebDriverException)):
                traceback.print_exc()
            for browser in [b for b in Browser.all if b.used_in == name]:
                browser.save_failure(name)
        for browser in [b for b in Browser.all if b not in open_before and not b.keep]:
            browser.quit()
    for browser in list(Browser.all):
        browser.quit()

    print("----  pages", flush=True)
    if PageChecks.duplicates:
        for page, ids in sorted(PageChecks.duplicates.items()):
            print(f"FAIL  duplicate ids on {page}: {', '.join(sorted(ids))}", flush=True)
        outcome["unique-ids"] = "failed"
    else:
        ok("every id is unique on every page visited")
        outcome["unique-ids"] = "passed"
    console = [(who, level, message.replace(BASE, "")) for who, level, message in Browser.console_lines]
    csp = [c for c in console if "Content Security Policy" in c[2]]
    seen = set()
    for who, level, message in console:
        if "Content Security Policy" not in message and level == "SEVERE" and message not in seen:
            seen.add(message)
            note(f"console ({who}): {message[:240]}")
    if csp:
        for who, _, message in csp:
            print(f"FAIL  content security policy ({who}): {message[:300]}", flush=True)
        outcome["csp"] = "failed"
    else:
        ok("no Content-Security-Policy violations in the browsers' consoles")

    failed = [n for n, o in outcome.items() if o == "failed"]
    skipped = [n for n, o in outcome.items() if o == "skipped"]
    print(f"UI tests: {sum(o == 'passed' for o in outcome.values())} passed, {len(failed)} failed"
          f"{' (' + ', '.join(failed) + ')' if failed else ''}, {len(skipped)} skipped"
          f"{' (' + ', '.join(skipped) + ')' if skipped else ''}; {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
