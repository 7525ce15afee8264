// Upvote in place when JavaScript is on; the form posts normally without it.
document.addEventListener("submit", async (e) => {
  const f = e.target;
  if (!f.classList || !f.classList.contains("vote-form")) return;
  e.preventDefault();
  try {
    const r = await fetch(f.action, { method: "POST", body: new URLSearchParams(new FormData(f)), headers: { "Accept": "application/json" } });
    if (!r.ok) { f.submit(); return; }
    const j = await r.json();
    f.querySelector(".count").textContent = j.upvotes;
    f.querySelector("input[name=action]").value = j.voted ? "down" : "up";
    f.classList.toggle("voted", j.voted);
  } catch (_) { f.submit(); }
});
