"""`vitals report` in a real browser (Playwright driving Debian's Chromium):
the page opens offline with no request but its own file, fits a phone's
width, and shows the numbers the tools answer. Screenshots at 1280 and 390
px are kept in the test's directory (and in $VITALS_ARTIFACTS when set)."""
import json
import os
import shutil

import pytest

from shown import money, percent

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report(run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    made = run("report", "--agency", "ag_001", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "wrote" in made.stderr
    return out


def query(run, tool, **arguments):
    out = run("query", tool, "--agency", "ag_001", "--args", json.dumps(arguments))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_shows_the_tools_numbers_offline_at_any_width(run, report, width, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    html = report.read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri())
        shown = {k: page.locator(f'[data-k="{k}"]').inner_text() for k in
                 ["mrr", "nrr", "grr", "average_health", "healthy", "watch", "at_risk", "churned"]}
        rows = {t: page.locator(f'table[data-t="{t}"] tbody tr').count() for t in ["months", "at_risk", "renewals", "drops"]}
        month_ends = page.locator('table[data-t="months"] tbody tr td:last-child').all_inner_texts()
        at_risk_names = page.locator('table[data-t="at_risk"] tbody tr td:first-child').all_inner_texts()
        overflow = page.evaluate("document.documentElement.scrollWidth")
        charts = page.locator("svg rect").count()
        shot = tmp_path / f"report-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    if os.environ.get("VITALS_ARTIFACTS"):
        os.makedirs(os.environ["VITALS_ARTIFACTS"], exist_ok=True)
        shutil.copy(shot, os.environ["VITALS_ARTIFACTS"])
    assert requests == [report.as_uri()], requests  # nothing fetched besides the page itself
    assert overflow <= width, f"the page is {overflow} px wide at {width}"  # wide tables scroll inside their box
    assert charts > 0

    overview, revenue = query(run, "get_agency_overview"), query(run, "get_revenue_summary")
    assert shown["mrr"] == money(revenue["mrr_cents"])
    assert shown["nrr"] == percent(revenue["retention"]["nrr"]) and shown["grr"] == percent(revenue["retention"]["grr"])
    assert shown["average_health"] == f'{overview["average_health"]:.1f}'
    bands = overview["accounts_by_band"]
    assert (shown["healthy"], shown["watch"], shown["at_risk"]) == (str(bands["Healthy"]), str(bands["Watch"]), str(bands["At Risk"]))
    assert shown["churned"] == str(overview["churned_accounts"])
    months = revenue["monthly_movements"][-12:]
    assert month_ends == [money(m["end_mrr_cents"]) for m in months]
    at_risk = query(run, "list_accounts_at_risk", limit=15)
    assert rows["at_risk"] == len(at_risk["items"])
    assert [n.split(" acc_")[0].strip() for n in at_risk_names] == [i["account"]["name"] for i in at_risk["items"]]
    assert rows["renewals"] == len(query(run, "list_upcoming_renewals", days=30, limit=50)["items"])
    assert rows["drops"] == len(query(run, "list_health_movers", direction="down", limit=10)["items"])


def test_a_bad_agency_or_day_is_refused_and_writes_nothing(run, tmp_path):
    out = tmp_path / "nope.html"
    refused = run("report", "--agency", "ag_999", "--out", str(out))
    assert refused.returncode != 0 and "unknown agency ag_999" in refused.stderr and not out.exists()
    refused = run("report", "--agency", "ag_001", "--as-of", "2027-01-01", "--out", str(out))
    assert refused.returncode != 0 and "outside the data" in refused.stderr and not out.exists()
