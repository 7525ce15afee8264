// What the browser tests share: the checks and their tally, a site started
// from the `papers` binary over a recorded Hugging Face day with an admin
// made on the command line, axe-core audits under both colour schemes, and
// Debian's chromium.
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = process.env.PAPERS_BIN || join(root, "target", "debug", "papers");
export const data = join(root, "tests", "data");
export const artifacts = join(root, "tests", "artifacts");
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const tally = { passed: 0, failed: 0 };
export function check(name, ok, detail = "") {
  if (ok) { tally.passed++; console.log(`ok - ${name}`); }
  else { tally.failed++; console.log(`not ok - ${name} ${detail}`); }
}

// The site: `papers serve` on a random loopback port over a fresh data
// directory holding the recorded day 2026-08-21 and the admin e2e_admin;
// `env` adds to the server's environment.
export async function startSite(prefix, env = {}) {
  // Checked first: a missing browser must not leave a server behind.
  browserPath();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const papers = (args, input) => execFileSync(bin, ["--data-dir", dataDir, "--quiet", ...args], { input, env: { ...process.env, RUST_LOG: "warn" } });
  papers(["ingest", "hf-daily", join(data, "hf_daily", "2026-08-21.json")]);
  papers(["user", "create", "--admin", "--email", "admin@example.org", "e2e_admin"], "an admin's long password\n");
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(bin, ["--data-dir", dataDir, "serve", "--bind", `127.0.0.1:${port}`], {
    env: { ...process.env, PAPERS_RATE_LIMITS: "off", RUST_LOG: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { dataDir, papers, server, base };
}

// axe-core, run in the page under each colour scheme. The page's CSP allows
// only same-origin scripts, so axe is evaluated through the DevTools protocol
// (page.evaluate), which the CSP does not govern, not added as a <script>.
export function auditor(base) {
  const audited = [];
  async function audit(page, kind) {
    audited.push(kind);
    for (const colorScheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme });
      if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] }, resultTypes: ["violations"] });
        return r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html, summary: n.failureSummary })),
        }));
      });
      const detail = violations.map((v) => `\n    ${v.id} (${v.impact}): ${v.help}` + v.nodes.map((n) =>
        `\n      at ${n.target}\n        ${n.html.slice(0, 200)}\n        ${(n.summary || "").replace(/\n/g, "\n        ")}`).join("")).join("");
      check(`axe: ${kind} (${colorScheme}), ${page.url().replace(base, "")}`, violations.length === 0, detail);
    }
    await page.emulateMedia({ colorScheme: null });
  }
  // Opens a path, checks its status, audits it.
  async function visit(page, kind, path, status = 200) {
    const r = await page.goto(base + path);
    check(`${kind}: ${path} answers ${status}`, r.status() === status, `got ${r.status()}`);
    await audit(page, kind);
    return r;
  }
  return { audit, visit, audited };
}

function browserPath() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) { console.error(`no browser at ${executablePath}`); process.exit(1); }
  return executablePath;
}

export async function launchBrowser() {
  const executablePath = browserPath();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Prints the pages audited and the tally, and exits with the verdict.
export function finish(name, audited) {
  console.log(`axe-core checked ${new Set(audited).size} pages: ${[...new Set(audited)].join("; ")}`);
  console.log(`${name}: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}
