// End-to-end: authors, follows and authorship claims in a real browser
// (Debian's chromium, driven by playwright-core). A reader opens an author's
// page from a paper page, signs up (choosing a seed paper on the welcome
// page), follows the author and finds their paper on "Following", comments,
// claims to be that author from the paper page, sees
// the claim wait on their profile; an admin verifies it at /admin/claims;
// the admin also answers the comment, and the reader finds the reply in
// their notifications (a badge in the header until read); then the profile
// lists the paper, the paper page names the account beside the author, and
// the API says "claimed_verified" as Hugging Face does.
//
// Every new page (author, profile, the admin's claims, the paper page's
// claim form) is checked with axe-core against WCAG 2 A and AA under the
// light and the dark colour scheme: no violation is allowed. Screenshots are
// kept in tests/artifacts/.
//
//   PAPERS_BIN=target/debug/papers node tests/e2e/authors.mjs
import { join } from "node:path";
import { artifacts, auditor, check, finish, launchBrowser, startSite } from "./harness.mjs";

const { server, base } = await startSite("papers-e2e-authors-");
const { audit, visit, audited } = auditor(base);

async function signIn(page, username, password) {
  await page.goto(base + "/signin");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(base + "/"), page.click("form.stacked button[type=submit]")]);
}

async function signOut(page) {
  await Promise.all([page.waitForURL(base + "/"), page.click(".user-nav button:has-text('Sign out')")]);
}

const paperId = "2608.19880";
const author = "Chengsong Huang";
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  // From a list row and from the paper page to the author's page.
  await page.goto(base + "/");
  check("a list row links its authors' names", (await page.locator(`article.paper-card p.authors a:has-text("${author}")`).count()) >= 1);
  await visit(page, "paper", `/papers/${paperId}`);
  await Promise.all([page.waitForLoadState(), page.click(`.paper-page p.authors a:has-text("${author}")`)]);
  check("the author's name opens their page", (await page.textContent("h1")).trim() === author, page.url());
  check("the author's page lists the paper", (await page.locator(`article.paper-card a[href="/papers/${paperId}"]`).count()) === 1);
  check("the author's page lists co-authors", (await page.locator("ul.coauthors li").count()) > 0);
  await audit(page, "author");
  await page.screenshot({ path: join(artifacts, "author.png") });
  await visit(page, "author (another spelling)", `/authors/${encodeURIComponent("  chengsong   HUANG ")}`);
  check("another spelling opens the same page", (await page.textContent("h1")).trim() === author);
  await visit(page, "author (none)", "/authors/Nobody%20At%20All", 404);

  // Sign up, then claim the authorship from the paper page.
  await page.goto(base + "/signup");
  await page.fill("#username", "e2e_author");
  await page.fill("#email", "author@example.org");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL(base + "/settings/interests?welcome=1"), page.click("form.stacked button[type=submit]")]);
  check("signed up", (await page.textContent(".user-nav")).includes("e2e_author"));
  check("a new account chooses its interests", (await page.textContent("h1")).includes("Welcome"));
  await audit(page, "interests (welcome)");
  await page.fill("#interest-papers", `https://arxiv.org/abs/${paperId}`);
  await Promise.all([page.waitForURL(base + "/papers/for-you"), page.click("form[action='/settings/interests'] button[type=submit]")]);
  await visit(page, "interests (saved)", "/settings/interests");
  check("the seed paper is kept", (await page.inputValue("#interest-papers")).trim() === paperId);

  // Follow the author from their page; Following lists their paper.
  await page.goto(base + `/authors/${encodeURIComponent(author)}`);
  await Promise.all([page.waitForLoadState(), page.click(".title-row button.follow-button")]);
  check("the button says the author is followed", (await page.textContent(".title-row .follow-button")).includes("Following"));
  await audit(page, "author (followed)");
  await visit(page, "following", "/following");
  check("Following names the author", (await page.textContent("ul.follows")).includes(author));
  check("Following lists the author's paper, saying why", (await page.locator(".for-you-entry", { hasText: `By ${author}` }).locator(`a[href="/papers/${paperId}"]`).count()) >= 1);
  await page.screenshot({ path: join(artifacts, "following.png") });

  // A comment, which the admin answers below.
  await page.goto(base + `/papers/${paperId}`);
  await page.fill("#comment-body", "Is the code out?");
  await Promise.all([page.waitForLoadState(), page.click("form.new-comment button[type=submit]")]);
  check("the comment is posted", (await page.locator("article.comment", { hasText: "Is the code out?" }).count()) === 1);
  await page.goto(base + `/papers/${paperId}`);
  await page.click("details.claim summary");
  await audit(page, "paper (claim form open)");
  await page.selectOption("#claim-author", author);
  await Promise.all([page.waitForURL(base + "/users/e2e_author"), page.click("form.claim-form button[type=submit]")]);
  check("the claim waits on the claimant's profile", (await page.textContent(".your-claims")).includes("waiting for an admin"));
  await audit(page, "profile (own, a claim waiting)");
  await signOut(page);

  // An admin verifies it.
  await signIn(page, "e2e_admin", "an admin's long password");
  await visit(page, "admin claims", "/admin/claims");
  const row = page.locator("table.claims tbody tr", { hasText: "e2e_author" });
  check("the admin sees the claim", (await row.count()) === 1);
  await Promise.all([page.waitForURL(base + "/admin/claims"), row.locator("button:has-text('Verify')").click()]);
  check("no claim waits any more", (await page.locator("table.claims").count()) === 0);
  await audit(page, "admin claims (none waiting)");
  await page.goto(base + `/papers/${paperId}`);
  const asked = page.locator("article.comment", { hasText: "Is the code out?" });
  await asked.locator("details.comment-actions summary:has-text('Reply')").click();
  await asked.locator("textarea[name=body]").fill("Yes, see the project page.");
  await Promise.all([page.waitForLoadState(), asked.locator("button:has-text('Reply')").click()]);
  await signOut(page);

  // The reply waits as a notification, counted in the header.
  await signIn(page, "e2e_author", "a long enough password");
  check("the header counts one unread notification", (await page.textContent(".notif-link .badge")).trim() === "1");
  await audit(page, "day (a notification unread)");
  await Promise.all([page.waitForURL(base + "/notifications"), page.click(".notif-link")]);
  const note = page.locator("ul.notifications li.unread a");
  check("the reply is listed", (await note.textContent()).includes("e2e_admin replied to your comment"));
  await audit(page, "notifications (unread)");
  await Promise.all([page.waitForURL(base + "/notifications"), page.click("button:has-text('Mark all as read')")]);
  check("read now", (await page.locator("ul.notifications li.read").count()) === 1 && (await page.locator(".notif-link .badge").count()) === 0);
  await page.screenshot({ path: join(artifacts, "notifications.png") });
  await Promise.all([page.waitForURL(/\/papers\/.*#c\d+$/), page.locator("ul.notifications li a").first().click()]);
  check("the notification opens the reply", page.url().includes(`/papers/${paperId}#c`), page.url());
  await signOut(page);

  // The profile lists the paper; the paper names the account; the API says so.
  await visit(page, "profile", "/users/e2e_author");
  check("the profile lists the verified paper", (await page.locator(`article.paper-card a[href="/papers/${paperId}"]`).count()) === 1);
  await page.screenshot({ path: join(artifacts, "profile.png") });
  await visit(page, "paper (a verified author)", `/papers/${paperId}`);
  check("the paper page names the account beside the author", (await page.locator('.paper-page a.verified[href="/users/e2e_author"]').count()) === 1);
  const api = await (await fetch(`${base}/api/papers/${paperId}`)).json();
  const entry = api.authors.find((a) => a.name === author);
  check("the API marks the author claimed_verified", entry && entry.status === "claimed_verified" && entry.user && entry.user.user === "e2e_author", JSON.stringify(entry));
  await visit(page, "profile (none)", "/users/nobody_here", 404);
} catch (e) {
  check("browser flow", false, String(e.stack || e));
} finally {
  await browser.close();
  server.kill();
}
finish("e2e authors", audited);
