"""The OpenAPI document, checked by schemathesis against a live `papers serve`.

Every operation and every check (server errors, status codes, content types,
headers, response schemas, positive and negative data, auth), with a bounded
number of examples. The server runs on the imported Hugging Face days, with a
token for the operations that need one, rate limits off (the fuzzer would
otherwise meet 429s), and its arXiv client pointed at a local server that
replays arXiv's recorded answer for an id it does not know, so submissions
never reach the internet.
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from test_hf_client import BIN, FIXTURES, ROOT, serve

NO_SUCH_ID = ROOT / "tests" / "data" / "arxiv_atom" / "id_0000.0000_s0_m100_8b51d9633a68.xml"
MAX_EXAMPLES = int(os.environ.get("PAPERS_SCHEMATHESIS_EXAMPLES", "30"))


class ReplayArxiv(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = NO_SUCH_ID.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def fuzz_server():
    arxiv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ReplayArxiv)
    threading.Thread(target=arxiv.serve_forever, daemon=True).start()
    data_dir = tempfile.mkdtemp(prefix="papers-openapi-")
    files = sorted(str(p) for p in FIXTURES.glob("*.json"))
    subprocess.run([BIN, "--data-dir", data_dir, "--quiet", "ingest", "hf-daily", *files], check=True)
    subprocess.run(
        [BIN, "--data-dir", data_dir, "--quiet", "user", "create", "fuzzer", "--email", "fuzzer@example.org"],
        input=b"correct horse battery\n",
        check=True,
    )
    env = dict(
        os.environ,
        PAPERS_RATE_LIMITS="off",
        PAPERS_ARXIV_API_BASE=f"http://127.0.0.1:{arxiv.server_address[1]}",
        PAPERS_FETCH_MODEL="off",
    )
    proc, endpoint = serve(data_dir, env)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
    arxiv.shutdown()


def test_the_document_is_openapi_3_1_at_both_addresses(fuzz_server):
    docs = [
        json.load(urllib.request.urlopen(fuzz_server + path))
        for path in ("/.well-known/openapi.json", "/api/openapi.json")
    ]
    assert docs[0] == docs[1]
    doc = docs[0]
    assert doc["openapi"] == "3.1.0"
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    for op in [
        ("GET", "/api/daily_papers"),
        ("GET", "/api/papers"),
        ("GET", "/api/papers/search"),
        ("GET", "/api/papers/{id}"),
        ("GET", "/api/papers/{id}/similar"),
        ("GET", "/api/papers/{id}/comments"),
        ("POST", "/api/papers/{id}/comments"),
        ("POST", "/api/papers/{id}/upvote"),
        ("DELETE", "/api/papers/{id}/upvote"),
        ("POST", "/api/papers/submit"),
        ("POST", "/api/papers/index"),
        ("POST", "/api/auth/signup"),
        ("POST", "/api/auth/token"),
        ("POST", "/api/subscriptions"),
    ]:
        assert op in ops, op
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = urllib.request.urlopen(fuzz_server + "/docs/api").read().decode()
    assert "GET /api/daily_papers" in page and "POST /api/papers/submit" in page


def test_schemathesis_finds_nothing(fuzz_server):
    req = urllib.request.Request(
        fuzz_server + "/api/auth/token",
        data=json.dumps({"username": "fuzzer", "password": "correct horse battery"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.load(urllib.request.urlopen(req))["token"]
    here = Path(__file__).parent
    st = Path(sys.executable).parent / "schemathesis"
    started = time.time()
    out = subprocess.run(
        [
            str(st),
            "--config-file",
            str(here / "schemathesis.toml"),
            "run",
            fuzz_server + "/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--workers",
            "1",
            "--seed",
            "1",
            "--suppress-health-check",
            "all",
            "-H",
            f"Authorization: Bearer {token}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        # schemathesis keeps a cache where it runs: not in the work tree.
        cwd=tempfile.mkdtemp(prefix="papers-schemathesis-"),
    )
    took = time.time() - started
    summary = out.stdout[-6000:]
    Path(os.environ.get("PAPERS_SCHEMATHESIS_LOG", os.devnull)).write_text(out.stdout)
    print(f"schemathesis: {took:.0f} s, max {MAX_EXAMPLES} examples per operation\n{summary}")
    assert out.returncode == 0, summary
    # Every operation of the document was tested (none skipped for lack of data).
    with urllib.request.urlopen(fuzz_server + "/api/openapi.json", timeout=10) as r:
        spec = json.load(r)
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    operations = sum(1 for item in spec["paths"].values() for m in item if m in methods)
    assert operations >= 16, operations
    assert f"Tested: {operations}" in out.stdout, summary
