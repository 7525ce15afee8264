"""Mail and feeds, end to end, with real peers on loopback.

- A real SMTP server (aiosmtpd, storing each message byte for byte in a Maildir)
  receives what `papers serve` and `papers digest send` send through `PAPERS_SMTP_URL`.
  We read the messages back: headers, both MIME parts, and the unsubscribe link, which
  we then follow over HTTP (RFC 8058 one-click POST).
- Every kind of feed is parsed with `feedparser`: no `bozo` error, and the expected
  entries in the expected order.
- Every JSON Feed the site serves (found the way a reader finds it, from the page's
  `<link rel="alternate" type="application/feed+json">`) is parsed with
  `feedparser_rs` (PyPI `feedparser-rs`, feedparser's API over a Rust parser that
  reads JSON Feed; released feedparser, 6.0.14, has no JSON Feed parser) and held
  to the JSON API's answer for the same list: ids, titles, links, authors, dates.
"""

import email
import html as html_lib
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import calendar
from datetime import datetime
from html.parser import HTMLParser

import feedparser
import feedparser_rs
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PAPERS_BIN", str(ROOT / "target" / "debug" / "papers"))
FIXTURES = ROOT / "tests" / "data" / "hf_daily"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("process died")
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Sink:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="maildir-"))
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT / "crates" / "papers-mail" / "tests"), PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c", "raw_maildir.RawMaildir", str(self.dir)],
            env=env,
        )
        wait_port(self.port, self.proc)

    def messages(self):
        new = self.dir / "new"
        if not new.exists():
            return []
        files = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]

    def wait_for(self, n, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            msgs = self.messages()
            if len(msgs) >= n:
                return msgs
            time.sleep(0.1)
        return self.messages()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def http(method, url, body=None, headers=None):
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif isinstance(body, str):
        data = body.encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


@pytest.fixture(scope="module")
def world():
    sink = Sink()
    data_dir = tempfile.mkdtemp(prefix="papers-mail-")
    files = [str(FIXTURES / f"{d}.json") for d in ["2025-07-22", "2026-08-21"]]
    subprocess.run([BIN, "--data-dir", data_dir, "--quiet", "ingest", "hf-daily", *files], check=True)
    # A few categorised papers for the category feed.
    extra = Path(data_dir) / "cs.jsonl"
    with extra.open("w") as f:
        for i, votes in enumerate([5, 50, 20]):
            f.write(json.dumps({
                "id": f"2608.9000{i}", "title": f"Category paper {i} <with> & markup",
                "abstract": f"Abstract {i}: $x < y$ & more.", "authors": ["A. Author", "B. Author"],
                "categories": ["cs.CL", "cs.AI"], "published_at": "2026-08-20T00:00:00Z",
                "upvotes": votes,
            }) + "\n")
    subprocess.run([BIN, "--data-dir", data_dir, "--quiet", "ingest", "papers-jsonl", str(extra)], check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PAPERS_SMTP_URL=f"smtp://127.0.0.1:{sink.port}", PAPERS_MAIL_FROM="Daily Papers <digest@example.org>",
               PAPERS_BASE_URL=base, PAPERS_RATE_LIMITS="off", RUST_LOG="warn")
    proc = subprocess.Popen([BIN, "--data-dir", data_dir, "--quiet", "serve", "--bind", f"127.0.0.1:{port}"], env=env)
    wait_port(port, proc)
    yield {"sink": sink, "base": base, "data_dir": data_dir, "env": env}
    proc.terminate()
    proc.wait(timeout=10)
    sink.stop()


def digest(world, *args):
    r = subprocess.run([BIN, "--data-dir", world["data_dir"], "--quiet", "digest", "send", *args],
                       env=world["env"], capture_output=True, text=True)
    assert r.returncode in (0, 2), r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1]), r


def subscribe_and_confirm(world, addr, **extra):
    sink = world["sink"]
    before = len(sink.messages())
    status, _, body = http("POST", world["base"] + "/api/subscriptions", {"email": addr, "cadence": "daily", **extra})
    assert status == 202, body
    msgs = sink.wait_for(before + 1)
    mail = msgs[-1]
    assert mail["To"] == addr
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/subscriptions/confirm\?token=\w+)", text).group(1)
    status, _, page = http("GET", link)
    # Opening the link only shows a button (mail scanners follow links).
    assert status == 200 and "You are subscribed" not in page and 'method="post"' in page
    status, _, page = http("POST", link, "")
    assert status == 200 and "You are subscribed" in page
    return link


def test_double_opt_in_digest_unsubscribe(world):
    sink, base = world["sink"], world["base"]
    status, _, body = http("POST", base + "/api/subscriptions", {"email": "ann@example.org", "cadence": "daily"})
    assert status == 202, body
    msgs = sink.wait_for(1)
    assert len(msgs) == 1
    confirm = msgs[0]
    assert confirm["Subject"] and "confirm" in confirm["Subject"].lower()
    # Nothing but the confirmation is sent before the link is clicked.
    report, _ = digest(world, "--period", "daily", "--date", "2026-08-21")
    assert report["due"] == 0 and report["sent"] == 0
    link = re.search(r"(http://\S+/subscriptions/confirm\?token=\w+)", confirm.get_body(preferencelist=("plain",)).get_content()).group(1)
    assert http("GET", link)[0] == 200
    assert http("GET", link)[0] == 200, "opening the link confirms nothing"
    report, _ = digest(world, "--period", "daily", "--date", "2026-08-21")
    assert report["due"] == 0, "a GET (a mail scanner) did not confirm"
    assert http("POST", link, "")[0] == 200
    assert http("POST", link, "")[0] == 400, "the confirmation token is single-use"
    # Subscribing again does not make a second subscription (nor mail).
    status, _, body = http("POST", base + "/api/subscriptions", {"email": "ANN@example.org", "cadence": "daily"})
    assert status == 202 and json.loads(body)["confirmationSent"] is False

    report, _ = digest(world, "--period", "daily", "--date", "2026-08-21")
    assert report == {"due": 1, "sent": 1, "empty": 0, "failed": 0, "deferred": 0}
    msgs = sink.wait_for(2)
    mail = msgs[-1]
    assert mail["To"] == "ann@example.org"
    assert mail["From"] == "Daily Papers <digest@example.org>"
    assert "Trending papers" in mail["Subject"]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "EnvHarness" in text and "EnvHarness" in html
    assert "17 authors" in text
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and unsubscribe.replace("&", "&amp;") in html
    # Rerunning the same period sends nothing new.
    report, _ = digest(world, "--period", "daily", "--date", "2026-08-21")
    assert report["due"] == 0 and report["sent"] == 0
    assert len(sink.messages()) == 2
    # The same papers are never sent twice: the next day has nothing new.
    report, _ = digest(world, "--period", "daily", "--date", "2026-08-24")
    assert report["sent"] == 0 and report["empty"] == 1, report
    assert len(sink.messages()) == 2, "an empty digest is not sent"
    # One-click unsubscribe, no sign-in.
    status, _, page = http("POST", unsubscribe, "List-Unsubscribe=One-Click")
    assert status == 200 and "Unsubscribed" in page
    status, _, page = http("GET", unsubscribe.replace("/unsubscribe?", "/subscriptions/manage?"))
    assert status == 200 and "unsubscribed" in page


def test_bad_input_gets_clear_messages(world):
    base = world["base"]
    for body, code in [
        ({"email": "not an address", "cadence": "daily"}, "invalid_email"),
        ({"email": "a@example.org", "cadence": "hourly"}, "invalid_cadence"),
        ({"email": "a@example.org", "cadence": "daily", "categories": ["cs.XX"]}, "unknown_category"),
        ({"email": "a@example.org", "cadence": "daily", "query": "   "}, "empty_query"),
    ]:
        status, _, text = http("POST", base + "/api/subscriptions", body)
        assert status == 400, text
        assert json.loads(text)["code"] == code


def test_a_crash_mid_run_resumes_without_duplicates(world):
    sink = world["sink"]
    addrs = [f"crash{i}@example.org" for i in range(5)]
    for a in addrs:
        subscribe_and_confirm(world, a)
    before = len(sink.messages())
    env = dict(world["env"], PAPERS_DIGEST_CRASH_AFTER="2")
    r = subprocess.run([BIN, "--data-dir", world["data_dir"], "--quiet", "digest", "send", "--period", "daily",
                        "--date", "2026-08-21", "--concurrency", "1"], env=env, capture_output=True, text=True)
    assert r.returncode != 0, "the run was killed mid-way"
    sent_first = len(sink.wait_for(before + 2)) - before
    assert sent_first == 2
    report, _ = digest(world, "--period", "daily", "--date", "2026-08-21")
    assert report["sent"] == 3, report
    msgs = sink.wait_for(before + 5)[before:]
    assert sorted(m["To"] for m in msgs) == sorted(addrs), "each subscriber got exactly one mail"


def parse(url, **headers):
    status, h, body = http("GET", url, headers=headers)
    assert status == 200, body
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.bozo_exception
    return feed, h


def test_every_kind_of_feed_parses_in_order(world):
    base = world["base"]
    _, _, api = http("GET", base + "/api/daily_papers?date=2026-08-21&limit=100")
    order = [i["title"] for i in json.loads(api)]
    for kind in ["feed.atom", "feed.rss"]:
        feed, h = parse(f"{base}/papers/date/2026-08-21/{kind}")
        assert [e.title for e in feed.entries] == order
        first = feed.entries[0]
        assert first.link == f"{base}/papers/2608.19880"
        assert "Chengsong Huang" in json.dumps(first.get("authors", [])) + first.get("author", "")
        assert first.id and first.get("published")
        # Conditional requests.
        status, _, _ = http("GET", f"{base}/papers/date/2026-08-21/{kind}", headers={"If-None-Match": h["etag"]})
        assert status == 304
        status, _, _ = http("GET", f"{base}/papers/date/2026-08-21/{kind}", headers={"If-Modified-Since": h["last-modified"]})
        assert status == 304
        feed, _ = parse(f"{base}/papers/week/2026-W34/{kind}")
        assert [e.title for e in feed.entries][: len(order)] == order
        feed, _ = parse(f"{base}/papers/month/2025-07/{kind}")
        assert len(feed.entries) == len(json.loads((FIXTURES / "2025-07-22.json").read_text()))
        feed, _ = parse(f"{base}/papers/trending/{kind}")
        assert len(feed.entries) > 0
        feed, _ = parse(f"{base}/papers/category/cs.CL/{kind}")
        assert [e.title for e in feed.entries] == [
            "Category paper 1 <with> & markup", "Category paper 2 <with> & markup", "Category paper 0 <with> & markup"]
        # feedparser hands plain-text summaries back HTML-escaped; once unescaped
        # they are the abstract exactly (escaped once in the XML, never lost).
        assert "$x < y$ & more" in html_lib.unescape(feed.entries[0].summary)
    # A search feed.
    for kind in ["feed.atom", "feed.rss"]:
        feed, _ = parse(f"{base}/papers/{kind}?q=EnvHarness")
        assert feed.entries and feed.entries[0].link == f"{base}/papers/2608.19880"
    # Pages advertise their feeds.
    _, _, page = http("GET", base + "/papers/date/2026-08-21")
    assert 'rel="alternate" type="application/atom+xml"' in page and "/papers/date/2026-08-21/feed.rss" in page
    _, _, page = http("GET", base + "/papers/category/cs.CL")
    assert "/papers/category/cs.CL/feed.atom" in page


class Alternates(HTMLParser):
    """The `<link rel="alternate">` feed links of a page: {type: href}."""

    def __init__(self):
        super().__init__()
        self.links = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            assert a["type"] not in self.links, f"two {a['type']} links"
            self.links[a["type"]] = a["href"]


def alternates(url):
    status, _, page = http("GET", url)
    assert status == 200, page
    parser = Alternates()
    parser.feed(page)
    return parser.links


def parse_json_feed(url, **options):
    status, h, body = http("GET", url)
    assert status == 200, body
    assert h["content-type"] == "application/feed+json", h
    feed = feedparser_rs.parse(body.encode(), **options)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "json11"
    return feed


def api_papers(world, path):
    """The papers of a JSON API answer: a list of items, each with its paper."""
    status, _, body = http("GET", world["base"] + path)
    assert status == 200, body
    return [item["paper"] for item in json.loads(body)]


def timestamp(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


TAG = "tag:dailypapers,2024:paper/"


def assert_entry_is_paper(base, entry, paper):
    """A JSON Feed entry, as feedparser_rs reads it, says what the API says."""
    assert entry.id == TAG + paper["id"]
    assert entry.title == paper["title"]
    assert entry.link == f"{base}/papers/{paper['id']}"
    assert [(l.rel, l.href) for l in entry.links] == [("alternate", entry.link)]
    assert [a.name for a in entry.authors] == [a["name"] for a in paper["authors"] if not a.get("hidden")]
    # The abstract, as plain text, exactly.
    assert [(c.type, c.value) for c in entry.content] == [("text/plain", paper["summary"])]
    if paper.get("publishedAt"):
        assert calendar.timegm(entry.published_parsed) == timestamp(paper["publishedAt"])
    assert entry.updated_parsed >= entry.published_parsed


def test_every_json_feed_reads_as_the_api_answers(world):
    base = world["base"]
    category_ids = ["2608.90001", "2608.90002", "2608.90000"]  # 50, 20, 5 upvotes
    lists = [
        # (the page, its title, the JSON API's answer for the same papers)
        ("/", "August 21, 2026", "/api/daily_papers?date=2026-08-21&limit=100"),
        ("/papers/date/2026-08-21", "August 21, 2026", "/api/daily_papers?date=2026-08-21&limit=100"),
        ("/papers/date/2025-07-22", "July 22, 2025", "/api/daily_papers?date=2025-07-22&limit=100"),
        ("/papers/week/2026-W34", "Week 34 of 2026 (Aug 17 – Aug 23)", "/api/daily_papers?week=2026-W34&limit=100"),
        ("/papers/month/2025-07", "July 2025", "/api/daily_papers?month=2025-07&limit=100"),
        ("/papers/trending", "Trending papers", "/api/daily_papers?sort=trending&limit=100"),
        ("/papers/category/cs.CL", None, [f"/api/papers/{i}" for i in category_ids]),
        ("/papers?q=EnvHarness", "Search: EnvHarness", "/api/papers/search?q=EnvHarness&limit=50"),
        ("/papers?q=reinforcement%20learning", "Search: reinforcement learning",
         "/api/papers/search?q=reinforcement%20learning&limit=50"),
    ]
    for page, title, api in lists:
        links = alternates(base + page)
        assert set(links) == {"application/atom+xml", "application/rss+xml", "application/feed+json"}, page
        href = links["application/feed+json"]
        # Siblings: the same address but for the file name.
        assert href == links["application/atom+xml"].replace("/feed.atom", "/feed.json"), links
        url = base + href
        # JSON Feed titles are plain text; feedparser_rs reads them as HTML
        # and sanitises them by default, so read them as sent.
        feed = parse_json_feed(url, sanitize_html=False)
        if isinstance(api, list):
            papers = [json.loads(http("GET", base + p)[2]) for p in api]
        else:
            papers = api_papers(world, api)
        assert papers, page
        assert [e.id.removeprefix(TAG) for e in feed.entries] == [p["id"] for p in papers], page
        for entry, paper in zip(feed.entries, papers):
            assert_entry_is_paper(base, entry, paper)
        if title:
            assert feed.feed.title == f"{title} · Daily Papers", page
        assert feed.feed.subtitle == "Daily Papers — by the research community"
        assert [(l.rel, l.href) for l in feed.feed.links] == [("self", url)]
        # The page the feed stands for: the list's page (the home page's
        # feed is its day's).
        home = base + (page if page != "/" else "/papers/date/2026-08-21")
        assert feed.feed.link == home, page
    # Categories travel as tags.
    feed = parse_json_feed(base + "/papers/category/cs.CL/feed.json", sanitize_html=False)
    assert [t.term for t in feed.entries[0].tags] == ["cs.CL", "cs.AI"]
    # With its defaults feedparser_rs sanitises a JSON Feed title as HTML:
    # "<with>" is dropped (JSON Feed 1.1 says `title` is plain text).
    feed = parse_json_feed(base + "/papers/category/cs.CL/feed.json")
    assert "<with>" not in feed.entries[0].title
    # A search feed with days carries them in its own address.
    url = base + "/papers/feed.json?q=EnvHarness&from=2026-08-01&to=2026-08-31"
    feed = parse_json_feed(url, sanitize_html=False)
    assert [(l.rel, l.href) for l in feed.feed.links] == [("self", url)]
    assert feed.entries[0].link == f"{base}/papers/2608.19880"
    # Released feedparser cannot read any of them (no JSON Feed parser in
    # 6.0.x): the reason feedparser_rs reads them above.
    _, _, body = http("GET", base + "/papers/date/2026-08-21/feed.json")
    if feedparser.__version__.startswith("6.0."):
        old = feedparser.parse(body)
        assert old.bozo and not old.entries
