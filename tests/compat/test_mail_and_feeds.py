"""Mail and feeds, end to end, with real peers on loopback.

- A real SMTP server (aiosmtpd, storing each message byte for byte in a Maildir)
  receives what `papers serve` and `papers digest send` send through `PAPERS_SMTP_URL`.
  We read the messages back: headers, both MIME parts, and the unsubscribe link, which
  we then follow over HTTP (RFC 8058 one-click POST).
- Every kind of feed is parsed with `feedparser`: no `bozo` error, and the expected
  entries in the expected order.
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

import feedparser
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
