"""The dashboard (`/dashboard` on `vitals serve --http`) in a real browser:
Playwright drives Debian's Chromium with JavaScript turned off, so every
click below is a plain link or form. Signed in with an agency token, a
person reads the agency page and an account page (the numbers are the
tools' answers), ticks a task, logs a note, closes a CTA and downloads a
table as CSV; the store then says what the page said it did. Screenshots at
1280 and 390 px are kept (in $VITALS_ARTIFACTS too when set). Around it, over
plain HTTP: what a signed-out browser, a forged form, a read-only token, a
revoked token and another agency's account get."""
import csv
import io
from datetime import date, timedelta
import os
import shutil
import subprocess

import httpx2
import pytest

from cli import querier
from stores import copy_store
from pages import Page
from served import start
from shown import money, percent

CHROMIUM = "/usr/bin/chromium"
WRITE_SCOPES = "read:accounts,read:users,read:revenue,read:feedback,read:activities,write:activities"


@pytest.fixture()
def own(vitals, store, tmp_path):
    """A copy of the session store served on its own (the tests write CTAs and notes),
    with `vitals query` and `vitals token create` on that copy."""
    path = copy_store(store, str(tmp_path / "dashboard.db"))
    server = start(vitals, path, "--rate-limit", "off")

    def token(scopes=WRITE_SCOPES, agency="ag_001"):
        out = subprocess.run([vitals, "token", "create", "--store", path, "--agency", agency, "--scopes", scopes],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    yield server, querier(vitals, path), token, path
    server.stop()


def signed_in(base, token):
    client = httpx2.Client(base_url=base, follow_redirects=False)
    answer = client.post("/dashboard", data={"token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    return client, answer


def form_fields(html, action):
    """What a browser posts with the form to `action` (its CSRF token, the note's idempotency key…)."""
    return dict(Page.submission(Page(html).form(action=action)))


def save(page, tmp_path, name):
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("VITALS_ARTIFACTS"):
        os.makedirs(os.environ["VITALS_ARTIFACTS"], exist_ok=True)
        shutil.copy(shot, os.environ["VITALS_ARTIFACTS"])


@pytest.mark.parametrize("width", [1280, 390])
def test_a_person_reads_and_acts_without_javascript(own, width, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    server, query, token, _ = own
    origin = server.base
    overview, revenue = query("get_agency_overview"), query("get_revenue_summary")
    at_risk = query("list_accounts_at_risk", limit=15)
    # An account with an open playbook CTA that has a task not done: the page acts on it.
    cta = next(c for c in query("list_ctas", limit=200)["items"] if c["tasks_done"] < c["tasks_total"])
    account_id = cta["account_id"]
    key = token()
    # A success plan, made over the REST twin, for the account page to show.
    plan = httpx2.post(f"{origin}/api/v1/tools/create_success_plan", headers={"x-api-key": key},
                       json={"account_id": account_id, "title": f"Win back at {width}px", "objectives": ["Weekly logins back to 5", "QBR booked"],
                             "target_date": "2027-01-31"})
    assert plan.status_code == 200, plan.text
    account = query("get_account", account_id=account_id, days=90)

    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False, accept_downloads=True)
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))

        page.goto(f"{origin}/dashboard")
        page.fill('input[name="token"]', key)
        page.click('button:has-text("Sign in")')
        assert page.url == f"{origin}/dashboard"

        # The agency page: the report's numbers, from the same tools.
        shown = {k: page.locator(f'[data-k="{k}"]').inner_text() for k in ["mrr", "nrr", "grr", "average_health", "healthy", "watch", "at_risk"]}
        assert shown["mrr"] == money(revenue["mrr_cents"])
        assert (shown["nrr"], shown["grr"]) == (percent(revenue["retention"]["nrr"]), percent(revenue["retention"]["grr"]))
        assert shown["average_health"] == f'{overview["average_health"]:.1f}'
        bands = overview["accounts_by_band"]
        assert (shown["healthy"], shown["watch"], shown["at_risk"]) == (str(bands["Healthy"]), str(bands["Watch"]), str(bands["At Risk"]))
        links = page.locator('table[data-t="at_risk"] tbody tr td:first-child a').all()
        assert [a.inner_text() for a in links] == [i["account"]["name"] for i in at_risk["items"]]
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # wide tables scroll in their box
        save(page, tmp_path, f"dashboard-agency-{width}.png")

        # A table as CSV: every row of the list (the page shows the first 15), money in cents.
        with page.expect_download() as download:
            page.click('h2:has-text("At risk") a.csv')
        rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
        everyone = query("list_accounts_at_risk", limit=200)["items"]
        assert [r["account_id"] for r in rows] == [i["account"]["account_id"] for i in everyone]
        assert [int(r["mrr_cents"]) for r in rows] == [i["account"]["mrr_cents"] for i in everyone]

        # The account page, reached by a link.
        page.goto(f"{origin}/dashboard/accounts/{account_id}")
        assert page.locator('[data-k="health"]').inner_text() == f'{account["account"]["health"]:.1f}'
        assert page.locator('[data-k="churn_risk"]').inner_text() == percent(account["account"]["churn_risk"])
        assert page.locator('[data-k="mrr"]').inner_text() == money(account["account"]["mrr_cents"])
        components = page.locator('table[data-t="components"] tbody tr').count()
        assert components == 6 and page.locator("svg polyline, svg circle").count() > 0
        plan_card = page.locator('[data-t="plan"]').inner_text()
        assert f"Win back at {width}px" in plan_card and "Weekly logins back to 5" in plan_card and "QBR booked" in plan_card
        save(page, tmp_path, f"dashboard-account-{width}.png")

        # Tick a task.
        card = page.locator(f'[data-cta="{cta["cta_id"]}"]')
        task = query("get_cta", cta_id=cta["cta_id"])["tasks"]
        todo = next(t for t in task if not t["done"])
        card.locator(f'[data-task="{todo["task_id"]}"] button').click()
        assert page.locator(".notice").inner_text() == "Task marked done."
        assert next(t for t in query("get_cta", cta_id=cta["cta_id"])["tasks"] if t["task_id"] == todo["task_id"])["done"]

        # Log a note.
        page.select_option('select[name="kind"]', "call")
        page.fill('input[name="subject"]', f"Check-in at {width}px")
        page.fill('textarea[name="body"]', "Called the champion: <b>not</b> churning.")
        page.click('button:has-text("Log it")')
        assert page.locator(".notice").inner_text() == "Logged on the timeline."
        assert "Called the champion: <b>not</b> churning." in page.locator('[data-t="timeline"]').inner_text()  # escaped, not markup
        logged = query("list_timeline_activities", account_id=account_id, limit=1)["items"][0]
        assert (logged["kind"], logged["subject"]) == ("call", f"Check-in at {width}px")

        # Close the CTA as resolved.
        page.locator(f'[data-cta="{cta["cta_id"]}"] select[name="outcome"]').select_option("resolved")
        page.locator(f'[data-cta="{cta["cta_id"]}"] button:has-text("Close CTA")').click()
        assert page.locator(".notice").inner_text() == "CTA closed."
        assert page.locator(f'[data-cta="{cta["cta_id"]}"]').count() == 0
        closed = query("get_cta", cta_id=cta["cta_id"])
        assert (closed["status"], closed["outcome"]) == ("closed", "resolved")

        # Another day, chosen with the header's form: the page and its links keep it.
        week_ago = (date.fromisoformat(overview["as_of"]) - timedelta(days=7)).isoformat()
        page.fill('input[name="as_of"]', week_ago)
        page.click('button:has-text("Show")')
        assert page.url == f"{origin}/dashboard?as_of={week_ago}"
        assert f"As of {week_ago}" in page.locator("p.meta").first.inner_text()
        then = query("get_agency_overview", as_of=week_ago)
        assert page.locator('[data-k="average_health"]').inner_text() == f'{then["average_health"]:.1f}'
        hrefs = page.locator('table[data-t="at_risk"] a').evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs and all(href.endswith(f"?as_of={week_ago}") for href in hrefs)

        page.click('button:has-text("Sign out")')
        page.goto(f"{origin}/dashboard/accounts/{account_id}")
        assert page.locator('input[name="token"]').count() == 1  # signed out: the sign-in form again
        browser.close()
    assert all(url.startswith(origin) for url in requests), [u for u in requests if not u.startswith(origin)]


def test_signed_out_forged_and_replayed_forms(own):
    server, query, token, _ = own
    with httpx2.Client(base_url=server.base, follow_redirects=False) as anonymous:
        page = anonymous.get("/dashboard")
        assert page.status_code == 200 and 'name="token"' in page.text
        assert anonymous.get("/dashboard/accounts/acc_00001").status_code == 401
        assert anonymous.get("/dashboard/csv/at_risk").status_code == 401
        refused = anonymous.post("/dashboard", data={"token": "vk_nope_nope"})
        assert refused.status_code == 401 and "That token is not valid" in refused.text

    client, answer = signed_in(server.base, token())
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/dashboard" in cookie
    account_id = query("list_ctas", limit=1)["items"][0]["account_id"]
    html = client.get(f"/dashboard/accounts/{account_id}").text
    action = f"/dashboard/accounts/{account_id}/activities"
    fields = form_fields(html, action)
    before = query("list_timeline_activities", account_id=account_id)["total"]

    forged = client.post(action, data={"csrf_token": "forged", "kind": "note", "body": "From another site"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert query("list_timeline_activities", account_id=account_id)["total"] == before

    # The same page's form posted twice (a double click, a resubmission) logs one note.
    note = {**fields, "kind": "note", "body": "Posted twice"}
    assert client.post(action, data=note).status_code == 303
    assert client.post(action, data=note).status_code == 303
    assert query("list_timeline_activities", account_id=account_id)["total"] == before + 1

    # A bad argument is told as the tool tells it, and nothing is written.
    bad = client.post(action, data={**form_fields(html, action), "kind": "fax", "body": "x"})
    assert bad.status_code == 400 and "kind" in bad.text
    assert query("list_timeline_activities", account_id=account_id)["total"] == before + 1
    client.close()


def test_scopes_revocation_and_tenancy_hold_on_the_dashboard(own, vitals):
    server, query, token, path = own
    key = token(scopes="read:accounts,read:users,read:revenue,read:activities")
    reader, _ = signed_in(server.base, key)
    cta = query("list_ctas", limit=1)["items"][0]
    page = reader.get(f"/dashboard/accounts/{cta['account_id']}")
    assert page.status_code == 200 and "Close CTA" not in page.text and "Log it" not in page.text  # no write scope: no forms
    fields = form_fields(page.text, "/dashboard/sign-out")  # the session's CSRF token
    posted = reader.post(f"/dashboard/ctas/{cta['cta_id']}/close", data={**fields, "outcome": "resolved"})
    assert posted.status_code == 400 and "write:activities" in posted.text
    assert query("get_cta", cta_id=cta["cta_id"])["status"] == "open"

    # Another agency's account answers like an unknown one.
    other = query("list_tracked_accounts", agency="ag_002", limit=1)["items"][0]["account_id"]
    assert reader.get(f"/dashboard/accounts/{other}").status_code == 404
    assert reader.get("/dashboard/csv/nope").status_code == 404
    assert reader.get("/dashboard?as_of=2031-01-01").status_code == 400

    # A revoked key ends its sign-in at once.
    subprocess.run([vitals, "token", "revoke", "--store", path, key.split("_")[1]], check=True, capture_output=True)
    assert reader.get("/dashboard/accounts/" + cta["account_id"]).status_code == 401
    reader.close()
