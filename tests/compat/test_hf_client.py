"""Client compatibility: the real `huggingface_hub` client, pointed at our server.

The fixtures in tests/data/hf_daily are real `/api/daily_papers` responses. We import
them with `papers ingest hf-daily`, serve them with `papers serve`, and check that
`HfApi.list_daily_papers()` and `HfApi.paper_info()` return the same records the client
builds from the original Hugging Face JSON, field by field; that the tests
huggingface_hub runs against huggingface.co (`TestPaperApi` in its tests/test_hf_api.py)
hold against our server too; and that the `hf papers` command line (ls, search, info,
read) works against it, run as a user runs it with `HF_ENDPOINT` set.
"""

import ast
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError, HfHubHTTPError
from huggingface_hub.hf_api import Organization, PaperInfo

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "hf_daily"
BIN = os.environ.get("PAPERS_BIN", str(ROOT / "target" / "debug" / "papers"))
DAYS = ["2024-05-27", "2025-07-22", "2026-08-21"]
# The two files of the archive's quirks (Python-repr items, a wrapper object): imported
# too, for the submitters they hold (akhaliq, and myownskyW7 on two different days).
QUIRK_DAYS = ["2024-12-11", "2025-01-10"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="papers-compat-")
    files = [str(FIXTURES / f"{d}.json") for d in DAYS + QUIRK_DAYS]
    subprocess.run([BIN, "--data-dir", data_dir, "--quiet", "ingest", "hf-daily", *files], check=True)
    proc, endpoint = serve(data_dir)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def serve(data_dir, env=None):
    """Starts `papers serve` on a free loopback port over `data_dir` and
    waits until it answers: (the process, its address)."""
    port = free_port()
    proc = subprocess.Popen(
        [BIN, "--data-dir", data_dir, "--quiet", "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/healthz", timeout=1)
            return proc, endpoint
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("papers serve did not come up")
            time.sleep(0.1)


def load_day(day):
    """A day's items as Hugging Face served them (the quirk files decoded)."""
    doc = json.loads((FIXTURES / f"{day}.json").read_text())
    if isinstance(doc, dict):
        doc = doc["data"]
    return [ast.literal_eval(i) if isinstance(i, str) else i for i in doc]


def norm(text):
    """Titles and abstracts are stored with arXiv's hard line wraps folded."""
    return re.sub(r"\s+", " ", text).strip() if isinstance(text, str) else text


def user_key(u):
    return None if u is None else (u.username, u.fullname)


def org_key(o):
    return None if o is None else (o.name, o.fullname)


def assert_same_paper(ours: PaperInfo, theirs: PaperInfo, raw_paper: dict, day: str, raw_item: dict):
    assert ours.id == theirs.id
    # We keep the paper's own title (arXiv's, LaTeX included); Hugging Face's oldest
    # listings also carried a display title with the LaTeX stripped.
    assert norm(ours.title) == norm(raw_paper["title"])
    assert norm(ours.summary) == norm(theirs.summary)
    assert ours.upvotes == theirs.upvotes
    assert ours.published_at == theirs.published_at
    if theirs.submitted_at is not None:
        assert ours.submitted_at == theirs.submitted_at
    else:
        # The oldest schema has no submittedOnDailyAt: we give the listing day.
        assert ours.submitted_at.date().isoformat() == day
    assert ours.discussion_id == theirs.discussion_id
    # The client reads these only at the top of what it is given: Hugging Face's daily
    # items keep them under `paper` (so its own client sees None there), and its paper
    # object has no `numComments`. We answer them at the top too, so the client sees
    # the paper's real values, which are the ones the original JSON holds.
    assert ours.comments == raw_item.get("numComments", 0)
    assert ours.ai_summary == raw_paper.get("ai_summary")
    assert ours.ai_keywords == raw_paper.get("ai_keywords")
    assert ours.github_repo == raw_paper.get("githubRepo")
    assert ours.github_stars == raw_paper.get("githubStars")
    assert ours.project_page == raw_paper.get("projectPage")
    organization = raw_item.get("organization") or raw_paper.get("organization")
    assert org_key(ours.organization) == org_key(Organization(**organization) if organization else None)
    assert user_key(ours.submitted_by) == user_key(theirs.submitted_by)
    assert [a.name for a in ours.authors] == [a.name for a in theirs.authors]
    assert [a.hidden for a in ours.authors] == [a.hidden for a in theirs.authors]
    assert [a.status for a in ours.authors] == [a.status for a in theirs.authors]
    assert [user_key(a.user) for a in ours.authors] == [user_key(a.user) for a in theirs.authors]


@pytest.mark.parametrize("day", DAYS)
def test_list_daily_papers_returns_the_imported_records(server, day):
    api = HfApi(endpoint=server)
    ours = list(api.list_daily_papers(date=day, limit=100))
    expected = {item["paper"]["id"]: PaperInfo(**json.loads(json.dumps(item))) for item in load_day(day)}
    assert len(ours) == len(expected) > 0
    assert {p.id for p in ours} == set(expected)
    raw = {item["paper"]["id"]: item for item in load_day(day)}
    for p in ours:
        assert_same_paper(p, expected[p.id], raw[p.id]["paper"], day, raw[p.id])
    # The feed order: most upvoted first.
    votes = [p.upvotes for p in ours]
    assert votes == sorted(votes, reverse=True)


@pytest.mark.parametrize("day", DAYS)
def test_paper_info_returns_the_imported_record(server, day):
    api = HfApi(endpoint=server)
    for item in load_day(day)[:5]:
        raw = json.loads(json.dumps(item["paper"]))
        ours = api.paper_info(raw["id"])
        assert_same_paper(ours, PaperInfo(**json.loads(json.dumps(raw))), raw, day, item)


def test_week_month_and_submitter_filters(server):
    api = HfApi(endpoint=server)
    week = list(api.list_daily_papers(week="2026-W34", limit=100))
    assert {p.id for p in week} == {i["paper"]["id"] for i in load_day("2026-08-21")}
    month = list(api.list_daily_papers(month="2025-07", limit=100))
    assert len(month) == len(load_day("2025-07-22"))
    mine = list(api.list_daily_papers(date="2026-08-21", submitter="taesiri"))
    assert mine and all(p.submitted_by.fullname == "taesiri" for p in mine)
    page2 = list(api.list_daily_papers(date="2026-08-21", limit=5, p=1))
    page1 = list(api.list_daily_papers(date="2026-08-21", limit=5, p=0))
    assert len(page2) == 5 and not {p.id for p in page1} & {p.id for p in page2}


def test_errors_are_raised_by_the_client(server):
    api = HfApi(endpoint=server)
    with pytest.raises(HfHubHTTPError) as e:
        api.paper_info("2608.99999")
    assert e.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as e:
        list(api.list_daily_papers(date="2026-99-99"))
    assert e.value.response.status_code == 400


def test_list_papers_searches(server):
    api = HfApi(endpoint=server)
    found = list(api.list_papers(query="EnvHarness", limit=5))
    assert found and found[0].id == "2608.19880"
    assert found[0].title.startswith("EnvHarness")
    assert all(p.id for p in found)


# ---------------------------------------------------------------------------
# huggingface_hub's own paper tests (`TestPaperApi`, tests/test_hf_api.py, which run
# against huggingface.co), pointed at our server with our fixture days and papers.
# ---------------------------------------------------------------------------

LATEST = "2026-08-21"
TITLE = "EnvHarness: Awakening Static Worlds for Agent Learning"


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def test_hf_papers_by_query(server):
    api = HfApi(endpoint=server)
    papers = list(api.list_papers(query="EnvHarness"))
    assert len(papers) > 0
    assert TITLE in [paper.title for paper in papers]


def test_hf_papers_by_query_with_limit(server):
    api = HfApi(endpoint=server)
    assert len(list(api.list_papers(query="agents", limit=2))) == 2
    # The documented bounds: 1 to 120 results, a query of at most 250 characters.
    assert len(list(api.list_papers(query="agents", limit=120))) > 2
    for bad in [dict(query="agents", limit=121), dict(query="a" * 251, limit=5)]:
        with pytest.raises(BadRequestError):
            list(api.list_papers(**bad))


def test_hf_search_items_carry_highlights(server):
    """Hugging Face's search items cut the title and abstract into segments,
    `{"type": "text" | "highlight", "text": ...}`, that join back to them."""
    api = HfApi(endpoint=server)
    found = list(api.list_papers(query="EnvHarness", limit=5))
    top = found[0]
    # Unknown fields stay on the object (PaperInfo keeps them for forward compatibility).
    title = top.highlightedTitle
    assert "".join(s["text"] for s in title) == top.title
    assert {s["type"] for s in title} <= {"text", "highlight"}
    assert [s["text"] for s in title if s["type"] == "highlight"] == ["EnvHarness"]
    summary = top.highlightedSummary
    assert "".join(s["text"] for s in summary) == top.summary


def test_hf_get_paper_by_id_success(server):
    api = HfApi(endpoint=server)
    paper = api.paper_info("2608.19880")
    assert paper.title == TITLE


def test_hf_get_paper_by_id_not_found(server):
    api = HfApi(endpoint=server)
    # Month 34: no valid arXiv id, but shaped like one, so 404 (not 400) as on HF.
    for missing in ["1234.56789", "0000.00000", "2608.99999"]:
        with pytest.raises(HfHubHTTPError) as context:
            api.paper_info(missing)
        assert context.value.response.status_code == 404, missing
    with pytest.raises(BadRequestError):
        api.paper_info("not-an-id")


def test_hf_list_daily_papers_by_date(server):
    api = HfApi(endpoint=server)
    papers = list(api.list_daily_papers(date="2025-07-22"))
    assert len(papers) > 0
    assert hasattr(papers[0], "id")
    assert hasattr(papers[0], "title")


def test_hf_list_daily_papers_by_date_invalid_date(server):
    api = HfApi(endpoint=server)
    with pytest.raises(BadRequestError):
        list(api.list_daily_papers(date="2025-13-40"))


def test_hf_list_daily_papers_default_date(server):
    api = HfApi(endpoint=server)
    papers = list(api.list_daily_papers())
    assert {p.id for p in papers} == {i["paper"]["id"] for i in load_day(LATEST)}


def listing_days(server, query):
    """The listing day of each item (`paper.submittedOnDailyAt`), which PaperInfo
    does not keep: it reads the item's own `publishedAt` as `submitted_at`."""
    items = get_json(f"{server}/api/daily_papers?{query}")
    return [datetime.date.fromisoformat(i["paper"]["submittedOnDailyAt"][:10]) for i in items]


def test_hf_list_daily_papers_week(server):
    api = HfApi(endpoint=server)
    week = 34
    papers = list(api.list_daily_papers(week=f"2026-W{week}"))
    assert {p.id for p in papers} == {i["paper"]["id"] for i in load_day(LATEST)}
    # HF's test bounds `submitted_at` by the Friday before the week and its Sunday:
    # that is the item's `publishedAt`, days before the listing for some items. The
    # listing days themselves lie in the ISO week, Monday to Sunday.
    week_start = datetime.date.fromisocalendar(2026, week, 1)
    week_end = datetime.date.fromisocalendar(2026, week, 7)
    days = listing_days(server, f"week=2026-W{week}&limit=100")
    assert days and all(week_start <= d <= week_end for d in days)
    # The weeks around it hold none of these papers.
    for other in (week - 1, week + 1):
        assert list(api.list_daily_papers(week=f"2026-W{other}")) == []
    # The oldest day's week: 2024-05-27 is the Monday of 2024-W22.
    papers = list(api.list_daily_papers(week="2024-W22", limit=100))
    assert {p.id for p in papers} == {i["paper"]["id"] for i in load_day("2024-05-27")}


def test_hf_list_daily_papers_month(server):
    api = HfApi(endpoint=server)
    papers = list(api.list_daily_papers(month="2024-12", limit=100))
    assert {p.id for p in papers} == {i["paper"]["id"] for i in load_day("2024-12-11")}
    days = listing_days(server, "month=2024-12&limit=100")
    assert days and all(datetime.date(2024, 12, 1) <= d <= datetime.date(2024, 12, 31) for d in days)
    # January 2025 is the other file, not December's.
    papers = list(api.list_daily_papers(month="2025-01", limit=100))
    assert {p.id for p in papers} == {i["paper"]["id"] for i in load_day("2025-01-10")}
    assert list(api.list_daily_papers(month="2025-02")) == []


def test_hf_daily_papers_submitter(server):
    api = HfApi(endpoint=server)
    # No date: the submitter's papers across days (before, only the latest day's).
    papers = list(api.list_daily_papers(submitter="akhaliq"))
    assert len(papers) > 0
    assert papers[0].submitted_by.fullname == "AK"
    assert {p.id for p in papers} == {"2412.07724", "2412.06845"}
    # Across days, newest listing first.
    papers = list(api.list_daily_papers(submitter="myownskyW7"))
    assert [p.id for p in papers] == ["2507.15852", "2412.07674"]
    assert all(p.submitted_by.fullname == "Jiaqi Wang" for p in papers)


def test_hf_daily_papers_p(server):
    api = HfApi(endpoint=server)
    assert list(api.list_daily_papers(date=LATEST, p=100)) == []


def test_hf_daily_papers_limit(server):
    api = HfApi(endpoint=server)
    assert len(list(api.list_daily_papers(date=LATEST, limit=10))) == 10
    assert len(list(api.list_daily_papers(date=LATEST, limit=1))) == 1
    assert len(list(api.list_daily_papers(date=LATEST, limit=100))) == len(load_day(LATEST))
    for bad in (0, 101):
        with pytest.raises(BadRequestError):
            list(api.list_daily_papers(date=LATEST, limit=bad))


def test_hf_read_paper(server):
    api = HfApi(endpoint=server)
    text = api.read_paper("2608.19880")
    assert text.startswith(f"# {TITLE}\n")
    assert "Chengsong Huang, Zifeng Wang" in text
    assert "<https://github.com/google-research/envharness>" in text
    assert "## Abstract" in text and "LLM agents learn by interacting with environments" in text
    with pytest.raises(HfHubHTTPError) as e:
        api.read_paper("1234.56789")
    assert e.value.response.status_code == 404
    with urllib.request.urlopen(f"{server}/papers/2608.19880.md", timeout=10) as r:
        assert r.headers["Content-Type"] == "text/markdown; charset=utf-8"
    req = urllib.request.Request(f"{server}/papers/2608.19880", headers={"Accept": "text/markdown"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.read().decode() == text


# ---------------------------------------------------------------------------
# The `hf papers` command line (huggingface_hub 2.4.0), as a user runs it.
# ---------------------------------------------------------------------------


def hf(server, *args, check=True):
    """Runs `hf ARGS` against our server: `HF_ENDPOINT` set, no saved token, no
    update check (the test machine has no internet)."""
    home = tempfile.mkdtemp(prefix="papers-hf-home-")
    env = {
        **os.environ,
        "HF_ENDPOINT": server,
        "HF_HOME": home,
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_COLOR": "1",
    }
    env.pop("HF_TOKEN", None)
    cmd = [sys.executable, "-c", "from huggingface_hub.cli.hf import main; main()", *args]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert r.returncode == 0, f"hf {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r


def test_hf_papers_ls(server):
    rows = json.loads(hf(server, "papers", "ls", "--format", "json").stdout)
    day = load_day(LATEST)
    assert {r["id"] for r in rows} == {i["paper"]["id"] for i in day}
    top = rows[0]
    assert top["id"] == "2608.19880" and top["title"] == TITLE and top["upvotes"] == 163
    by_id = {i["paper"]["id"]: i for i in day}
    for r in rows:
        assert r["submitted_by_name"] == by_id[r["id"]]["submittedBy"]["fullname"]
        assert r["comments"] == by_id[r["id"]]["numComments"]
    # The table a person reads: the columns and the top paper.
    table = hf(server, "papers", "ls", "--format", "agent").stdout.splitlines()
    assert table[0].split("\t") == ["id", "title", "upvotes", "comments", "published_at", "submitted_by_name"]
    assert table[1].split("\t")[:3] == ["2608.19880", TITLE, "163"]


def test_hf_papers_ls_by_date_week_and_submitter(server):
    rows = json.loads(hf(server, "papers", "ls", "--date", "2025-07-22", "--format", "json").stdout)
    assert {r["id"] for r in rows} == {i["paper"]["id"] for i in load_day("2025-07-22")}
    votes = [r["upvotes"] for r in rows]
    assert votes == sorted(votes, reverse=True)
    rows = json.loads(hf(server, "papers", "ls", "--date", "2025-07-22", "--limit", "3", "--format", "json").stdout)
    assert len(rows) == 3
    rows = json.loads(hf(server, "papers", "ls", "--week", "2024-W50", "--format", "json").stdout)
    assert {r["id"] for r in rows} == {i["paper"]["id"] for i in load_day("2024-12-11")}
    rows = json.loads(hf(server, "papers", "ls", "--submitter", "akhaliq", "--format", "json").stdout)
    assert {r["id"] for r in rows} == {"2412.07724", "2412.06845"}
    assert {r["submitted_by_name"] for r in rows} == {"AK"}
    rows = json.loads(hf(server, "papers", "ls", "--month", "2025-07", "--sort", "trending", "--format", "json").stdout)
    assert {r["id"] for r in rows} == {i["paper"]["id"] for i in load_day("2025-07-22")}
    bad = hf(server, "papers", "ls", "--date", "2025-13-40", check=False)
    assert bad.returncode != 0
    assert "Bad request" in bad.stderr and '"2025-13-40" is not valid' in bad.stderr


def test_hf_papers_search(server):
    rows = json.loads(hf(server, "papers", "search", "EnvHarness", "--format", "json").stdout)
    assert rows and rows[0]["id"] == "2608.19880"
    assert rows[0]["title"] == TITLE
    assert rows[0]["summary"].startswith("LLM agents learn by interacting")
    rows = json.loads(hf(server, "papers", "search", "agents", "--limit", "3", "--format", "json").stdout)
    assert len(rows) == 3


def test_hf_papers_info(server):
    info = json.loads(hf(server, "papers", "info", "2608.19880", "--format", "json").stdout)
    raw = next(i for i in load_day(LATEST) if i["paper"]["id"] == "2608.19880")
    assert info["id"] == "2608.19880"
    assert info["title"] == TITLE
    assert info["upvotes"] == 163
    assert info["comments"] == raw["numComments"]
    assert info["github_repo"] == "https://github.com/google-research/envharness"
    assert info["project_page"] == "https://envharness.com/"
    assert info["ai_summary"] == raw["paper"]["ai_summary"]
    assert [a["name"] for a in info["authors"]] == [a["name"] for a in raw["paper"]["authors"]]
    missing = hf(server, "papers", "info", "1234.56789", check=False)
    assert missing.returncode != 0
    assert "Paper '1234.56789' not found on the Hub." in missing.stdout + missing.stderr


def test_hf_papers_read(server):
    text = hf(server, "papers", "read", "2608.19880", "--format", "agent").stdout
    assert text.startswith(f"# {TITLE}\n")
    assert "## Abstract" in text
    assert "LLM agents learn by interacting with environments" in text
    assert "**Upvotes:** 163" in text
    # Before this, `hf papers read` failed with "not found" for every paper.
    missing = hf(server, "papers", "read", "2407.21783", check=False)
    assert missing.returncode != 0
    assert "Paper '2407.21783' not found on the Hub." in missing.stdout + missing.stderr


def unescape_bibtex(text):
    """Undoes the escaping of `/papers/{id}.bib` (LaTeX specials as text)."""
    for macro, char in (("\\textbackslash{}", "\\"), ("\\textasciitilde{}", "~"), ("\\textasciicircum{}", "^")):
        text = text.replace(macro, char)
    return re.sub(r"\\([{}$&%#_])", r"\1", text)


# bibtexparser 1.4 calls pyparsing APIs that pyparsing 3.2 deprecates, on every parse.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_paper_parses_as_bibtex(server):
    """Issue 14: `/papers/{id}.bib` for every paper of the recorded days, read by
    bibtexparser: one @misc entry whose eprint, title and authors are the paper's."""
    import bibtexparser

    checked = 0
    for day in DAYS:
        for item in load_day(day):
            paper = item["paper"]
            with urllib.request.urlopen(f"{server}/papers/{paper['id']}.bib", timeout=10) as r:
                assert r.headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
                text = r.read().decode()
            entries = bibtexparser.loads(text).entries
            assert len(entries) == 1, text
            e = entries[0]
            assert e["ENTRYTYPE"] == "misc" and e["archiveprefix"] == "arXiv", e
            assert e["eprint"] == paper["id"], e
            assert unescape_bibtex(e["title"]) == norm(paper["title"]), e
            names = [a["name"] for a in paper["authors"] if not a.get("hidden")]
            assert len(e["author"].split(" and ")) == len(names), e
            checked += 1
    assert checked > 20


def api_token(server, name):
    """Signs `name` up through our API and answers a fresh API token."""
    def post(path, body):
        req = urllib.request.Request(
            server + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    password = "correct horse battery"
    post("/api/auth/signup", {"username": name, "email": f"{name}@example.org", "password": password})
    return post("/api/auth/token", {"username": name, "password": password})["token"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_collections_through_the_hf_client(server):
    """Issue 14: huggingface_hub's collection calls work against our server: create,
    add papers with a note, read back in order, list by the paper it holds, move and
    remove an item, delete; and the collection's BibTeX parses, one entry per paper."""
    import bibtexparser

    api = HfApi(endpoint=server, token=api_token(server, "collector"))
    papers = [item["paper"]["id"] for item in load_day(DAYS[-1])[:3]]
    c = api.create_collection("Reading & <notes>", namespace="collector", description="mine")
    assert c.slug.startswith("collector/reading-notes-") and c.owner["name"] == "collector"
    for p in papers:
        c = api.add_collection_item(c.slug, item_id=p, item_type="paper", note=f"why {p}")
    assert [i.item_id for i in c.items] == papers
    assert [i.item_type for i in c.items] == ["paper"] * 3
    assert c.items[0].note == f"why {papers[0]}"
    again = api.add_collection_item(c.slug, item_id=papers[0], item_type="paper", exists_ok=True)
    assert len(again.items) == 3
    listed = list(api.list_collections(item=f"papers/{papers[1]}"))
    assert [x.slug for x in listed] == [c.slug]
    assert listed[0].title == "Reading & <notes>"
    api.update_collection_item(c.slug, c.items[2].item_object_id, position=0)
    api.delete_collection_item(c.slug, c.items[1].item_object_id)
    got = api.get_collection(c.slug)
    assert [i.item_id for i in got.items] == [papers[2], papers[0]]
    assert got.url.endswith(f"/collections/{c.slug}")

    cid = c.slug.rsplit("-", 1)[1]
    with urllib.request.urlopen(f"{server}/collections/{cid}.bib", timeout=10) as r:
        entries = bibtexparser.loads(r.read().decode()).entries
    assert sorted(e["eprint"] for e in entries) == sorted([papers[2], papers[0]])
    assert len({e["ID"] for e in entries}) == 2

    api.delete_collection(c.slug)
    assert list(api.list_collections(item=f"papers/{papers[1]}")) == []
