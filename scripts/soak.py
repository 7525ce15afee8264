#!/usr/bin/env python3
"""A day of mixed load, compressed: drives the release server on loopback.

Starts `papers serve --demo` on a fresh data directory, then for MINUTES runs
a bounded mix of reads (every page kind, searches, feeds, API calls) and
writes (sign-ups, votes, comments, subscriptions) from a few client threads.
Half-way through it stops the server with SIGTERM (in-flight requests must
drain), restarts it on the same data, and carries on. At the end it stops the
server again and checks the database: every write that was acknowledged must
be there.

Reports (also as JSON with --json): requests served, 5xx count, p99 per route,
server RSS after warm-up and at the end, and writes acknowledged vs found.

Only loopback is ever contacted; every loop is bounded in count and time.

    python3 scripts/soak.py --bin target/release/papers --minutes 10
"""

import argparse
import datetime
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    def __init__(self, binary, data_dir, port):
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.proc = None

    def start(self):
        env = dict(os.environ, PAPERS_RATE_LIMITS="off", PAPERS_FETCH_MODEL="off",
                   PAPERS_BASE_URL=f"http://127.0.0.1:{self.port}")
        env.pop("PAPERS_MODEL_DIR", None)
        self.log = open(os.path.join(self.data_dir, "server.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", self.data_dir, "--quiet", "serve", "--demo",
             "--bind", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=self.log, env=env)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start; see server.log")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.log.close()
        return code


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.status = defaultdict(int)
        self.errors5xx = defaultdict(int)
        self.unreachable = 0
        self.served = 0

    def record(self, route, status, secs):
        with self.lock:
            self.served += 1
            self.latency[route].append(secs)
            self.status[status] += 1
            if status >= 500:
                self.errors5xx[route] += 1


class Client:
    def __init__(self, base, stats, pause):
        self.base, self.stats, self.pause = base, stats, pause

    def call(self, route, method, path, body=None, token=None):
        self.pause.wait()
        data = None
        headers = {"User-Agent": "papers-soak"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                payload = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            payload, status = e.read(), e.code
        except OSError:
            with self.stats.lock:
                self.stats.unreachable += 1
            return None, None
        self.stats.record(route, status, time.perf_counter() - t0)
        return status, payload


def discover(client):
    status, body = client.call("GET /api/daily_papers", "GET", "/api/daily_papers?limit=100")
    items = json.loads(body) if status == 200 else []
    ids = [i["paper"]["id"] for i in items]
    dates = sorted({i["publishedAt"][:10] for i in items})
    return ids, dates


def iso_week(day):
    y, w, _ = datetime.date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def worker(n, client, deadline, ids, days, acked, rng):
    token = None
    user = f"soak{n}_{rng.randrange(1 << 30)}"
    reads = [
        ("GET /", lambda: "/"),
        ("GET /papers/date/D", lambda: f"/papers/date/{rng.choice(days)}"),
        ("GET /papers/week/W", lambda: "/papers/week/" + iso_week(rng.choice(days))),
        ("GET /papers/month/M", lambda: "/papers/month/" + rng.choice(days)[:7]),
        ("GET /papers/trending", lambda: "/papers/trending"),
        ("GET /papers/ID", lambda: f"/papers/{rng.choice(ids)}"),
        ("GET /papers?q=", lambda: "/papers?q=" + rng.choice(["language+models", "diffusion", "robot", "vision"])),
        ("GET feed.atom", lambda: f"/papers/date/{rng.choice(days)}/feed.atom"),
        ("GET feed.rss", lambda: "/papers/trending/feed.rss"),
        ("GET /api/daily_papers", lambda: f"/api/daily_papers?date={rng.choice(days)}"),
        ("GET /api/papers/ID", lambda: f"/api/papers/{rng.choice(ids)}"),
        ("GET /api/papers/search", lambda: "/api/papers/search?q=" + rng.choice(["transformer", "agents", "3d"])),
        ("GET /api/papers/ID/comments", lambda: f"/api/papers/{rng.choice(ids)}/comments"),
    ]
    while time.time() < deadline:
        r = rng.random()
        if r < 0.85 or not ids:
            route, path = rng.choice(reads)
            client.call(route, "GET", path())
        elif token is None or r > 0.998:
            # A new account now and then: sign-ups are part of the day.
            user = f"soak{n}_{rng.randrange(1 << 30)}"
            status, body = client.call("POST /api/auth/signup", "POST", "/api/auth/signup",
                                       {"username": user, "email": f"{user}@example.org",
                                        "password": "correct horse battery staple"})
            if status == 201:
                acked["users"].add(user)
                status, body = client.call("POST /api/auth/token", "POST", "/api/auth/token",
                                           {"username": user, "password": "correct horse battery staple"})
                if status == 200:
                    token = json.loads(body)["token"]
        elif r < 0.93:
            pid = rng.choice(ids)
            status, _ = client.call("POST upvote", "POST", f"/api/papers/{pid}/upvote", {}, token)
            if status == 200:
                acked["votes"].add((user, pid))
        elif r < 0.97:
            pid = rng.choice(ids)
            text = f"soak comment {rng.randrange(1 << 30)} by {user}"
            status, body = client.call("POST comment", "POST", f"/api/papers/{pid}/comments",
                                       {"body": text}, token)
            if status in (200, 201):
                acked["comments"].add(text)
        else:
            email = f"sub{rng.randrange(1 << 30)}@example.org"
            status, _ = client.call("POST /api/subscriptions", "POST", "/api/subscriptions",
                                    {"email": email, "cadence": "daily"})
            if status == 202:
                acked["subscriptions"].add(email)


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000 if xs else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/papers")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    data_dir = tempfile.mkdtemp(prefix="papers-soak-")
    port = free_port()
    server = Server(os.path.abspath(args.bin), data_dir, port)
    server.start()
    stats = Stats()
    pause = threading.Event()
    pause.set()
    base = f"http://127.0.0.1:{port}"
    ids, days = discover(Client(base, Stats(), pause))
    if not ids or not days:
        raise SystemExit("the demo data did not load")
    acked = {k: set() for k in ("users", "votes", "comments", "subscriptions")}
    total = args.minutes * 60
    start = time.time()
    deadline = start + total
    threads = []
    for n in range(args.clients):
        c = Client(base, stats, pause)
        t = threading.Thread(target=worker, args=(n, c, deadline, ids, days, acked, random.Random(args.seed + n)))
        t.start()
        threads.append(t)

    warm = min(60.0, total * 0.1)
    time.sleep(warm)
    rss_start = rss_mb(server.proc.pid)
    time.sleep(max(0.0, total / 2 - warm))
    # Restart with SIGTERM in the middle: the clients pause while it is down.
    pause.clear()
    time.sleep(0.5)
    t0 = time.time()
    code = server.stop()
    server.start()
    restart_secs = time.time() - t0
    pause.set()
    # RSS at the end is compared with the same point after the restart's warm-up.
    time.sleep(min(warm, max(0.0, deadline - time.time() - 1)))
    rss_start_2 = rss_mb(server.proc.pid)
    while time.time() < deadline:
        time.sleep(min(5, max(0.0, deadline - time.time())))
    for t in threads:
        t.join()
    rss_end = rss_mb(server.proc.pid)
    server.stop()

    db = sqlite3.connect(os.path.join(data_dir, "papers.db"))
    users = {u for (u,) in db.execute("SELECT username FROM users")}
    votes = {(u, p) for (u, p) in db.execute(
        "SELECT users.username, votes.paper_id FROM votes JOIN users ON users.id = votes.user_id")}
    comments = {b for (b,) in db.execute("SELECT body FROM comments")}
    subs = {e for (e,) in db.execute("SELECT email FROM subscriptions")}
    found = {
        "users": len(acked["users"] & users),
        "votes": len(acked["votes"] & votes),
        "comments": len(acked["comments"] & comments),
        "subscriptions": len(acked["subscriptions"] & subs),
    }
    report = {
        "minutes": args.minutes,
        "clients": args.clients,
        "requests": stats.served,
        "req_per_s": round(stats.served / total, 1),
        "status_counts": dict(sorted(stats.status.items())),
        "5xx": sum(stats.errors5xx.values()),
        "5xx_by_route": dict(stats.errors5xx),
        "unreachable": stats.unreachable,
        "sigterm_exit_code": code,
        "restart_secs": round(restart_secs, 2),
        "p99_ms": {r: round(p99(v), 1) for r, v in sorted(stats.latency.items())},
        "rss_mb_after_warmup": rss_start,
        "rss_mb_after_restart_warmup": rss_start_2,
        "rss_mb_end": rss_end,
        "rss_growth_pct": round(100 * (rss_end - rss_start_2) / rss_start_2, 1) if rss_start_2 and rss_end else None,
        "acked": {k: len(v) for k, v in acked.items()},
        "found_after_restart": found,
        "data_dir": data_dir,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['requests']} requests in {args.minutes} min ({report['req_per_s']}/s), "
              f"5xx: {report['5xx']}, unreachable during restart: {report['unreachable']}")
        print(f"SIGTERM exit code {code}; restart took {report['restart_secs']} s")
        print(f"RSS: {rss_start:.0f} MB after warm-up, {rss_start_2:.0f} MB after the restart's warm-up, "
              f"{rss_end:.0f} MB at the end ({report['rss_growth_pct']}%)")
        for k in acked:
            print(f"{k}: {report['acked'][k]} acknowledged, {found[k]} found after the restart")
        print("p99 per route (ms):")
        for r, v in report["p99_ms"].items():
            print(f"  {r:32} {v:8.1f}  ({len(stats.latency[r])} requests)")
    ok = report["5xx"] == 0 and all(found[k] == len(acked[k]) for k in acked) and code == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
