// End-to-end: a real browser (Debian's chromium, driven by playwright-core)
// signs up, signs out, signs in, upvotes, submits a paper (metadata from a
// recorded arXiv API response replayed on loopback), comments, and signs out.
// A screenshot of the paper page is kept in tests/artifacts/.
//
//   PAPERS_BIN=target/debug/papers node tests/e2e/community.mjs
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.env.PAPERS_BIN || join(root, "target", "debug", "papers");
const data = join(root, "tests", "data");
const artifacts = join(root, "tests", "artifacts");
mkdirSync(artifacts, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) { passed++; console.log(`ok - ${name}`); }
  else { failed++; console.log(`not ok - ${name} ${detail}`); }
}

// The arXiv API on loopback, answering id_list lookups with recorded responses.
const arxiv = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const ids = url.searchParams.get("id_list") || "";
  const file = ids.startsWith("2104.12255") ? "id_2104.12255v1_s0_m100_6ae69987ffe1.xml" : "id_0000.0000_s0_m100_8b51d9633a68.xml";
  res.writeHead(200, { "content-type": "application/atom+xml" });
  res.end(readFileSync(join(data, "arxiv_atom", file)));
});
await new Promise((r) => arxiv.listen(0, "127.0.0.1", r));
const arxivBase = `http://127.0.0.1:${arxiv.address().port}`;

// The site, with the three recorded Hugging Face days.
const dataDir = mkdtempSync(join(tmpdir(), "papers-e2e-"));
execFileSync(bin, ["--data-dir", dataDir, "--quiet", "ingest", "hf-daily", join(data, "hf_daily", "2026-08-21.json")]);
const port = 20000 + Math.floor(Math.random() * 20000);
const server = spawn(bin, ["--data-dir", dataDir, "serve", "--bind", `127.0.0.1:${port}`], {
  env: { ...process.env, PAPERS_ARXIV_API_BASE: arxivBase, PAPERS_RATE_LIMITS: "off", RUST_LOG: "warn" },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
  await new Promise((r) => setTimeout(r, 100));
}

const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(executablePath)) { console.error(`no browser at ${executablePath}`); process.exit(1); }
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(base + "/");
  check("home page shows the latest day", (await page.textContent("h1")).includes("August 21, 2026"));

  // Sign up.
  await page.click("text=Sign up");
  await page.fill("#username", "e2e_user");
  await page.fill("#email", "e2e@example.org");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/"), page.click("form.stacked button[type=submit]")]);
  check("signed up and signed in", (await page.textContent(".user-nav")).includes("e2e_user"));

  // Sign out, then sign in again.
  await Promise.all([page.waitForURL(base + "/"), page.click(".user-nav button:has-text('Sign out')")]);
  check("signed out", (await page.textContent(".user-nav")).includes("Sign in"));
  await page.click("text=Sign in");
  await page.fill("#username", "e2e_user");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/"), page.click("form.stacked button[type=submit]")]);
  check("signed in", (await page.textContent(".user-nav")).includes("e2e_user"));

  // Upvote the first paper in place (JavaScript on).
  const first = page.locator("form.vote-form").first();
  const before = Number(await first.locator(".count").textContent());
  await first.locator("button").click();
  await page.waitForFunction((n) => Number(document.querySelector("form.vote-form .count").textContent) === n + 1, before);
  check("upvote updated the count in place", Number(await first.locator(".count").textContent()) === before + 1);

  // Submit a paper from the recorded arXiv fixture.
  await page.click("text=Submit a paper");
  await page.fill("#id", "https://arxiv.org/abs/2104.12255");
  await page.fill("#comment", "Crypto bugs, explained.");
  await Promise.all([page.waitForURL(base + "/papers/2104.12255"), page.click("form.stacked button[type=submit]")]);
  check("submitted paper page opens", (await page.textContent("h1")).trim() === "0");
  check("paper page names its author", (await page.textContent(".authors")).includes("Quan Thoi Minh Nguyen"));

  // Comment on it.
  await page.fill("#comment-body", "Great read about **zero**.");
  await Promise.all([page.waitForURL(/\/papers\/2104\.12255#c\d+/), page.click(".new-comment button")]);
  check("comment rendered as Markdown", (await page.innerHTML(".comment-body")).includes("<strong>zero</strong>"));
  await page.screenshot({ path: join(artifacts, "paper-page.png"), fullPage: true });
  check("screenshot kept", existsSync(join(artifacts, "paper-page.png")));

  // Sign out.
  await Promise.all([page.waitForURL(base + "/"), page.click(".user-nav button:has-text('Sign out')")]);
  check("signed out at the end", (await page.textContent(".user-nav")).includes("Sign in"));
} catch (e) {
  check("browser flow", false, String(e));
} finally {
  await browser.close();
  server.kill();
  arxiv.close();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
