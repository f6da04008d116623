#!/usr/bin/env python3
"""A person at Vitals' consent page, as a `BROWSER` command for tools that open the
authorization URL with Python's `webbrowser` (mcp-authlab):

    BROWSER="python3 consent_bot.py %s" VITALS_CONSENT_TOKEN=vk_... mcp-authlab login URL

It opens the URL (cookies kept), types the token from VITALS_CONSENT_TOKEN into the
consent form, leaves the ticked scopes ticked, presses Allow and follows the
redirect to the app's loopback callback. It appends one JSON line per sign-in to
VITALS_CONSENT_LOG when set: the consent page's status, the redirect's parameter
names and where it went, so that a test can check what the browser saw."""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/: surface.py
from oauth_support import Page  # noqa: E402


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(CookieJar()))


def fetch(url, data=None):
    request = urllib.request.Request(url, data=data, headers={"Accept": "text/html"})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def main(url):
    record = {"authorize": url}
    status, headers, body = fetch(url)
    record["page_status"] = status
    if status == 200 and 'id="consent"' in body:
        form = Page(body).form(id="consent")
        pairs = Page.submission(form, {"token": os.environ["VITALS_CONSENT_TOKEN"]}, button=Page.field(form, id="allow"))
        action = urllib.parse.urljoin(url, form["attrs"].get("action") or "/authorize")
        status, headers, body = fetch(action, urllib.parse.urlencode(pairs).encode())
        record["consent_status"] = status
    if status in (301, 302, 303) and headers.get("Location"):
        location = urllib.parse.urljoin(url, headers["Location"])
        record["redirect"] = location.split("?")[0]
        record["parameters"] = sorted(urllib.parse.parse_qs(urllib.parse.urlsplit(location).query))
        fetch(location)  # the app's callback
    if os.environ.get("VITALS_CONSENT_LOG"):
        with open(os.environ["VITALS_CONSENT_LOG"], "a") as log:
            log.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
