"""Validates feeds rendered by papers-feeds with Python's feedparser.

    python check_feeds.py EXPECTED.json FEED [FEED ...]

EXPECTED.json is a list of entries, in feed order, each
{"title", "id", "link", "authors", "summary"} with the text as written (before
any escaping). Every FEED (Atom or RSS) must parse without complaint
(bozo == 0) and hold exactly those entries, in that order, with parsed dates.
Exits 1 with a message on the first mismatch. Needs feedparser 6.0.x.
"""

import html
import json
import sys

import feedparser


def fail(path, message):
    print(f"{path}: {message}", file=sys.stderr)
    sys.exit(1)


def text_of(detail, value):
    """The text a reader shows: HTML content is unescaped once."""
    if detail is not None and detail.get("type") == "text/html":
        return html.unescape(value)
    return value


def check(path, expected):
    feed = feedparser.parse(path)
    if feed.bozo:
        fail(path, f"not well-formed: {feed.get('bozo_exception')!r}")
    if feed.version not in ("atom10", "rss20"):
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
        summary = text_of(got.get("summary_detail"), got.get("summary", ""))
        if summary != want["summary"]:
            fail(path, f"summary {summary!r} != {want['summary']!r}")
        authors = [a.get("name") for a in got.get("authors", []) if a.get("name")]
        if authors != want["authors"]:
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
