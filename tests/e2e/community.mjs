// End-to-end: a real browser (Debian's chromium, driven by playwright-core)
// signs up, signs out, signs in, upvotes, submits a paper (metadata from a
// recorded arXiv API response replayed on loopback), comments, subscribes,
// manages a subscription, dismisses a paper ("not interested") and undoes
// it, makes a collection from a paper page and orders and notes it, reads
// "For you", downloads its data and BibTeX, deletes its account
// (its comment stays as [deleted]), moderates, and signs out.
//
// On the way, every kind of page (day, week, month, paper, search, trending,
// category, the forms with and without their errors, settings, subscription
// pages, error pages; anonymous, signed in and as an admin) is checked with
// axe-core against WCAG 2 A and AA, under the light and the dark colour
// scheme: no violation is allowed. The header must hold on one line at
// 1280 px and stay usable at 375 px. Screenshots are kept in tests/artifacts/.
//
//   PAPERS_BIN=target/debug/papers node tests/e2e/community.mjs
import { createServer } from "node:http";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { artifacts, auditor, check, data, finish, launchBrowser, startSite } from "./harness.mjs";

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

// The site, with a recorded Hugging Face day, an admin, and the arXiv API above.
const { dataDir, papers, server, base } = await startSite("papers-e2e-", { PAPERS_ARXIV_API_BASE: arxivBase });
const { audit, visit, audited } = auditor(base);

// The header's children on one line: every one overlaps the others vertically.
async function header(page) {
  return page.evaluate(() => {
    const row = document.querySelector(".header-row");
    const boxes = [...row.children].map((el) => el.getBoundingClientRect()).filter((b) => b.width > 0);
    const lowestTop = Math.max(...boxes.map((b) => b.top));
    const highestBottom = Math.min(...boxes.map((b) => b.bottom));
    const line = Math.max(...boxes.map((b) => b.height));
    const style = getComputedStyle(row);
    const content = row.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const links = [...document.querySelectorAll("header.site a, header.site button, header.site input")].map((el) => {
      const b = el.getBoundingClientRect();
      return { text: el.textContent.trim() || el.getAttribute("aria-label") || el.name, left: b.left, right: b.right, width: b.width, height: b.height };
    });
    return {
      oneLine: lowestTop < highestBottom && content <= line + 1,
      content, line,
      overflow: document.documentElement.scrollWidth > window.innerWidth,
      width: window.innerWidth,
      links,
    };
  });
}

// The links in the mails written to the outbox (quoted-printable undone).
function mailLinks(kind) {
  const dir = join(dataDir, "outbox");
  const links = [];
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const text = readFileSync(join(dir, f), "utf8").replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    for (const m of text.matchAll(new RegExp(`https?://[^/\\s"<>]+(/${kind}\\?token=[A-Za-z0-9_%.~-]+)`, "g"))) links.push(m[1]);
  }
  return [...new Set(links)];
}

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  // Anonymous pages.
  await visit(page, "day (home)", "/");
  check("home page shows the latest day", (await page.textContent("h1")).includes("August 21, 2026"));
  let h = await header(page);
  check("header on one line at 1280 px (signed out)", h.oneLine && !h.overflow, JSON.stringify(h));
  const hf = page.locator("article.paper-card", { has: page.locator('a[href="/papers/2608.19880"]') }).locator("a.hf-comments");
  check("a day says how many comments a paper has on Hugging Face, and links there",
    (await hf.textContent()).trim() === "1 comment on Hugging Face" && (await hf.getAttribute("href")) === "https://huggingface.co/papers/2608.19880",
    `${await hf.textContent()} ${await hf.getAttribute("href")}`);
  await page.screenshot({ path: join(artifacts, "day.png") });
  await visit(page, "day", "/papers/date/2026-08-21");
  await visit(page, "week", "/papers/week/2026-W34");
  await visit(page, "month", "/papers/month/2026-08");
  await visit(page, "paper", "/papers/2608.19880");
  const hfNote = page.locator(".discussion a.hf-comments");
  check("a paper page shows its comments on Hugging Face apart from those made here",
    (await hfNote.textContent()) === "1 comment on Hugging Face" && (await hfNote.getAttribute("href")) === "https://huggingface.co/papers/2608.19880");
  await visit(page, "search with results", "/papers?q=agents");
  check("search finds papers", (await page.locator("article.paper-card").count()) > 0);
  await visit(page, "search form", "/papers");
  await visit(page, "trending", "/papers/trending");
  await visit(page, "sign-in", "/signin");
  await visit(page, "register", "/signup");
  await visit(page, "password reset", "/reset");
  await visit(page, "subscribe", "/subscribe");
  await visit(page, "error 404 (no page)", "/no/such/page", 404);
  await visit(page, "error 404 (no paper)", "/papers/2608.99999", 404);
  await visit(page, "error 400 (bad date)", "/papers/date/2026-02-30", 400);

  // Subscribe, confirm from the mail, get a digest, manage from it.
  await page.goto(base + "/subscribe");
  await page.fill("#sub-email", "reader@example.org");
  await page.click("form.stacked button[type=submit]");
  await page.waitForSelector(".flash");
  await audit(page, "subscribe (mail sent)");
  const confirm = mailLinks("subscriptions/confirm");
  check("a confirmation mail was written", confirm.length === 1, JSON.stringify(confirm));
  await visit(page, "confirm subscription", confirm[0]);
  await Promise.all([page.waitForLoadState(), page.click("form.stacked button[type=submit]")]);
  check("subscription confirmed", (await page.textContent("h1")).includes("You are subscribed"));
  await audit(page, "subscription confirmed");
  papers(["digest", "send", "--period", "daily", "--date", "2026-08-21"]);
  const manage = mailLinks("subscriptions/manage");
  check("a digest with a manage link was written", manage.length === 1, JSON.stringify(manage));
  await visit(page, "manage subscriptions", manage[0]);
  await visit(page, "unsubscribe (one-click page)", manage[0].replace("/subscriptions/manage", "/unsubscribe"));
  await visit(page, "manage subscriptions (bad link)", "/subscriptions/manage?token=nope", 404);
  await page.goto(base + manage[0]);
  await Promise.all([page.waitForLoadState(), page.click("button:has-text('Unsubscribe')")]);
  check("unsubscribed from the manage page", (await page.textContent(".subscriptions")).includes("unsubscribed"));
  await audit(page, "manage subscriptions (unsubscribed)");

  // Ask for a password reset; the mail is sent in the background.
  await page.goto(base + "/reset");
  await page.fill("#email", "admin@example.org");
  await Promise.all([page.waitForLoadState(), page.click("form.stacked button[type=submit]")]);
  await audit(page, "password reset (mail sent)");
  let reset = [];
  for (let i = 0; i < 50 && reset.length === 0; i++) {
    reset = mailLinks("reset");
    if (reset.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  check("a password reset mail was written", reset.length === 1, JSON.stringify(reset));
  await visit(page, "password reset (new password)", reset[0]);
  check("the reset link opens the new password form", (await page.locator("#password").count()) === 1);

  // Sign up: a refused password first.
  await page.click("text=Sign up");
  await page.fill("#username", "e2e_user");
  await page.fill("#email", "e2e@example.org");
  await page.fill("#password", "short");
  await Promise.all([page.waitForLoadState(), page.click("form.stacked button[type=submit]")]);
  check("a short password is refused", (await page.locator(".flash.error").count()) === 1);
  await audit(page, "register (refused)");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/settings/interests?welcome=1"), page.click("form.stacked button[type=submit]")]);
  check("signed up and signed in", (await page.textContent(".user-nav")).includes("e2e_user"));
  await page.goto(base + "/");
  h = await header(page);
  check("header on one line at 1280 px (signed in)", h.oneLine && !h.overflow, JSON.stringify(h));
  await audit(page, "day (signed in)");

  // Sign out, then sign in again: a wrong password first.
  await Promise.all([page.waitForURL(base + "/"), page.click(".user-nav button:has-text('Sign out')")]);
  check("signed out", (await page.textContent(".user-nav")).includes("Sign in"));
  await page.click("text=Sign in");
  await page.fill("#username", "e2e_user");
  await page.fill("#password", "not the password");
  await Promise.all([page.waitForLoadState(), page.click("form.stacked button[type=submit]")]);
  check("a wrong password is refused", (await page.locator(".flash.error").count()) === 1);
  await audit(page, "sign-in (refused)");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/"), page.click("form.stacked button[type=submit]")]);
  check("signed in", (await page.textContent(".user-nav")).includes("e2e_user"));

  // Upvote the first paper in place (JavaScript on).
  const first = page.locator("form.vote-form").first();
  const before = Number(await first.locator(".count").textContent());
  await page.evaluate(() => { window.stillThisPage = true; });
  await first.locator("button").click();
  await page.waitForFunction((n) => Number(document.querySelector("form.vote-form .count").textContent) === n + 1, before);
  check("upvote updated the count in place (no page load)", Number(await first.locator(".count").textContent()) === before + 1 && (await page.evaluate(() => window.stillThisPage)) === true);
  await audit(page, "day (signed in, voted)");

  // Comment on a paper from Hugging Face: both counts are shown, apart.
  await visit(page, "paper (signed in)", "/papers/2608.19880");
  await page.fill("#comment-body", "A comment made here.");
  await Promise.all([page.waitForURL(/\/papers\/2608\.19880#c\d+/), page.click(".new-comment button")]);
  await page.goto(base + "/papers/date/2026-08-21");
  const card = page.locator("article.paper-card", { has: page.locator('a[href="/papers/2608.19880"]') });
  const meta = (await card.locator(".meta").textContent()).replace(/\s+/g, " ");
  check("a day shows comments made here beside those on Hugging Face", meta.includes("1 comment ·") && meta.includes("1 comment on Hugging Face"), meta);

  // Submit a paper from the recorded arXiv fixture.
  await page.click(".user-nav a[href='/submit']");
  await audit(page, "submit");
  await page.fill("#id", "https://arxiv.org/abs/2104.12255");
  await page.fill("#comment", "Crypto bugs, explained.");
  await Promise.all([page.waitForURL(base + "/papers/2104.12255"), page.click("form.stacked button[type=submit]")]);
  check("submitted paper page opens", (await page.textContent("h1")).trim() === "0");
  check("paper page names its author", (await page.textContent(".authors")).includes("Quan Thoi Minh Nguyen"));
  check("a paper submitted here says nothing of Hugging Face", (await page.locator(".hf-comments").count()) === 0);
  await page.goto(base + "/submit");
  await page.fill("#id", "2104.12255");
  await Promise.all([page.waitForLoadState(), page.click("form.stacked button[type=submit]")]);
  check("a duplicate submission is refused", (await page.locator(".flash.error").count()) === 1);
  await audit(page, "submit (refused)");

  // Comment on it.
  await page.goto(base + "/papers/2104.12255");
  await page.fill("#comment-body", "Great read about **zero**.");
  await Promise.all([page.waitForURL(/\/papers\/2104\.12255#c\d+/), page.click(".new-comment button")]);
  check("comment rendered as Markdown", (await page.innerHTML(".comment-body")).includes("<strong>zero</strong>"));
  await page.locator(".comment-actions summary", { hasText: "Reply" }).click();
  await page.locator(".comment-actions summary", { hasText: "Edit" }).click();
  await audit(page, "paper (signed in, own comment, forms open)");
  await page.screenshot({ path: join(artifacts, "paper-page.png"), fullPage: true });
  check("screenshot kept", existsSync(join(artifacts, "paper-page.png")));
  await visit(page, "category", "/papers/category/cs.CR");
  check("category lists the submitted paper", (await page.locator("article.paper-card").count()) === 1);

  // Settings, and a new API token.
  await visit(page, "settings", "/settings");
  await page.fill("#name", "e2e script");
  await Promise.all([page.waitForLoadState(), page.click("text=Create token")]);
  check("a new token is shown", (await page.locator("code.token").count()) === 1);
  await audit(page, "settings (new token)");

  // "Not interested" folds a paper away in place, and undoes.
  await page.goto(base + "/papers/date/2026-08-21");
  const dismiss = page.locator("form.not-interested-form").first();
  await page.evaluate(() => { window.stillThisPage = true; });
  await dismiss.locator("button").click();
  await page.waitForSelector("article.paper-card.dismissed");
  check("not interested folds the paper in place (no page load)", (await dismiss.locator("button").textContent()).includes("Undo") && (await page.evaluate(() => window.stillThisPage)) === true);
  await audit(page, "day (signed in, one paper dismissed)");
  await dismiss.locator("button").click();
  await page.waitForFunction(() => document.querySelectorAll("article.paper-card.dismissed").length === 0);
  check("and undoes", (await dismiss.locator("button").textContent()).trim() === "Not interested");

  // Collections: make one from a paper page, save a second paper to it, reorder, note.
  await visit(page, "paper (signed in, no collections)", "/papers/2608.19880");
  await page.fill("#new-collection", "E2E reading <list> & more");
  await Promise.all([page.waitForURL(/\/collections\/[0-9a-f]{24}$/), page.click("button:has-text('Create and save')")]);
  const collection = page.url().replace(base, "");
  check("a new collection holds the paper", (await page.textContent("h1")).includes("E2E reading <list> & more") && (await page.locator(".collection-entry").count()) === 1);
  await visit(page, "paper (signed in, with a collection)", "/papers/2104.12255");
  await page.fill("#save-note", "Read after the first.");
  await Promise.all([page.waitForURL(base + collection), page.click("form.save-form button:has-text('Save')")]);
  check("the second paper is saved with its note", (await page.locator(".collection-entry").count()) === 2 && (await page.locator(".collection-entry").nth(1).locator(".note").textContent()).includes("Read after the first."));
  await Promise.all([page.waitForLoadState(), page.locator(".collection-entry").nth(1).locator("button:has-text('Move up')").click()]);
  check("moved up", (await page.locator(".collection-entry").first().locator("h2 a").getAttribute("href")) === "/papers/2104.12255");
  await page.locator(".collection-entry").first().locator("details.inline summary").click();
  await page.locator("details.collection-settings summary").click();
  await audit(page, "collection (owner, forms open)");
  await page.screenshot({ path: join(artifacts, "collection.png"), fullPage: true });
  const collBib = await page.request.get(base + collection + ".bib");
  check("the collection's BibTeX has both papers", ((await collBib.text()).match(/@misc\{/g) || []).length === 2);
  await visit(page, "collections (yours)", "/collections");
  check("your collections list it", (await page.textContent(".collections")).includes("2 papers"));
  const feedPage = await browser.newPage();
  await visit(feedPage, "collection (anonymous)", collection);
  check("a public collection reads the same to anyone, with no owner controls", (await feedPage.locator(".collection-entry").count()) === 2 && (await feedPage.locator("text=Edit this collection").count()) === 0);
  await feedPage.close();

  // For you: each paper says why it is there.
  await visit(page, "for you", "/papers/for-you");
  check("for you lists papers, each with its reason", (await page.locator(".for-you-entry").count()) > 0 && (await page.locator(".for-you-entry .reason").count()) === (await page.locator(".for-you-entry").count()), (await page.textContent("main")).replace(/\s+/g, " ").slice(0, 600));
  await page.goto(base + "/settings");

  // Your data: the settings page's download, then BibTeX from a paper page.
  const download = await page.request.get(base + (await page.getAttribute("a:has-text('Download your data')", "href")));
  const mine = await download.json();
  check("the export is the signed-in user's", mine.profile.username === "e2e_user" && mine.votes.length === 1 && mine.comments.length === 2 && mine.collections.length === 1 && mine.collections[0].items.length === 2, JSON.stringify(mine).slice(0, 300));
  check("the export is offered as a file", (download.headers()["content-disposition"] || "").startsWith("attachment"));
  await page.goto(base + "/papers/2104.12255");
  const bib = await page.request.get(base + (await page.getAttribute("a:has-text('BibTeX')", "href")));
  check("the paper's BibTeX", (await bib.text()).startsWith("@misc{nguyen2021") && bib.headers()["content-type"].startsWith("application/x-bibtex"));

  // Delete the account from settings: signed out, and its comment stays as [deleted].
  await page.goto(base + "/settings");
  await page.fill("#delete-password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/"), page.click("button:has-text('Delete my account')")]);
  check("deleted and signed out", (await page.textContent(".user-nav")).includes("Sign in"));
  await page.goto(base + "/papers/2104.12255");
  check("the deleted account's comment reads [deleted]", (await page.textContent("#comments")).includes("[deleted]") && !(await page.textContent("#comments")).includes("e2e_user"));

  // An admin's pages: hide and ban controls.
  await page.goto(base + "/signin");
  await page.fill("#username", "e2e_admin");
  await page.fill("#password", "an admin's long password");
  await Promise.all([page.waitForURL(base + "/"), page.click("form.stacked button[type=submit]")]);
  await visit(page, "paper (admin)", "/papers/2104.12255");
  check("an admin can hide the paper", (await page.locator("text=Hide this paper").count()) === 1);
  await visit(page, "settings (admin)", "/settings");
  await page.setViewportSize({ width: 375, height: 740 });
  await visit(page, "day (phone, admin)", "/");
  h = await header(page);
  const offScreen = h.links.filter((l) => l.left < 0 || l.right > h.width);
  check("signed in on a phone: no sideways scrolling, every header control on screen", !h.overflow && offScreen.length === 0, JSON.stringify({ overflow: h.overflow, offScreen }));
  await page.screenshot({ path: join(artifacts, "phone-signed-in.png") });
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForURL(base + "/"), page.click(".user-nav button:has-text('Sign out')")]);
  check("signed out at the end", (await page.textContent(".user-nav")).includes("Sign in"));

  // A phone: the header wraps but every control stays on screen.
  const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  for (const [kind, path] of [["day (phone)", "/"], ["paper (phone)", "/papers/2608.19880"]]) {
    await visit(phone, kind, path);
    const p = await header(phone);
    const off = p.links.filter((l) => l.left < 0 || l.right > p.width || l.width < 24 || l.height < 16);
    check(`${kind}: no sideways scrolling, every header control on screen`, !p.overflow && off.length === 0, JSON.stringify({ overflow: p.overflow, off }));
  }
  await phone.screenshot({ path: join(artifacts, "phone.png"), fullPage: false });
  await phone.close();
} catch (e) {
  check("browser flow", false, String(e.stack || e));
} finally {
  await browser.close();
  server.kill();
  arxiv.close();
}
finish("e2e", audited);
