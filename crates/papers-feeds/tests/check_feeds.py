"""Validates feeds rendered by papers-feeds with Python's feedparser.

    python check_feeds.py EXPECTED.json FEED [FEED ...]

EXPECTED.json is a list of entries, in feed order, each
{"title", "id", "link", "authors", "summary"} with the text as written (before
any escaping). Every FEED (Atom, RSS, or JSON Feed when its name ends in
.json) must parse without complaint (bozo == 0) and hold exactly those
entries, in that order, with parsed dates. Exits 1 with a message on the first
mismatch. Needs feedparser 6.0.x.

JSON Feed: feedparser reads it only from its main branch (feedparser/parsers/
json.py, unreleased; 6.0.14 has no JSON parser). With a feedparser that
lacks it, a .json FEED is reported as unsupported and the script exits 3.
That parser keeps the abstract as the entry's content and drops item authors,
so a JSON Feed's summary is read from `content` and its authors are not
compared (the Rust tests check them).
"""

import html
import importlib.util
import json
import sys

import feedparser

UNSUPPORTED = 3


def fail(path, message):
    print(f"{path}: {message}", file=sys.stderr)
    sys.exit(1)


def text_of(detail, value):
    """The text a reader shows: HTML content is unescaped once."""
    if detail is not None and detail.get("type") == "text/html":
        return html.unescape(value)
    return value


def reads_json_feed():
    try:
        return importlib.util.find_spec("feedparser.parsers.json") is not None
    except ModuleNotFoundError:
        return False


def check(path, expected):
    is_json = path.endswith(".json")
    if is_json and not reads_json_feed():
        print(
            f"{path}: unsupported: feedparser {feedparser.__version__} "
            "has no JSON Feed parser",
            file=sys.stderr,
        )
        sys.exit(UNSUPPORTED)
    feed = feedparser.parse(path)
    if feed.bozo:
        fail(path, f"not well-formed: {feed.get('bozo_exception')!r}")
    versions = ("json11",) if is_json else ("atom10", "rss20")
    if feed.version not in versions:
        fail(path, f"unexpected feed version {feed.version!r}")
    if not feed.feed.get("title"):
        fail(path, "the feed has no title")
    entries = feed.entries
    titles = [text_of(e.get("title_detail"), e.get("title", "")) for e in entries]
    want_titles = [e["title"] for e in expected]
    if titles != want_titles:
        fail(path, f"titles {titles!r} != {want_titles!r}")
    for got, want in zip(entries, expected):
        if got.get("id") != want["id"]:
            fail(path, f"id {got.get('id')!r} != {want['id']!r}")
        if got.get("link") != want["link"]:
            fail(path, f"link {got.get('link')!r} != {want['link']!r}")
        if is_json:
            content = got.get("content") or {}
            summary = content.get("value", "")
            if content.get("type") != "text":
                fail(path, f"content type {content.get('type')!r} != 'text'")
        else:
            summary = text_of(got.get("summary_detail"), got.get("summary", ""))
        if summary != want["summary"]:
            fail(path, f"summary {summary!r} != {want['summary']!r}")
        authors = [a.get("name") for a in got.get("authors", []) if a.get("name")]
        if not is_json and authors != want["authors"]:
            fail(path, f"authors {authors!r} != {want['authors']!r}")
        if got.get("published_parsed") is None:
            fail(path, f"entry {want['id']!r} has no parseable date")
    print(f"{path}: ok ({feed.version}, {len(entries)} entries)")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        expected = json.load(f)
    for path in argv[2:]:
        check(path, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
