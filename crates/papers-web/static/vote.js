// Upvote in place when JavaScript is on; the form posts normally without it.
// (`f.action` would be the form's input named "action": the attribute is read.)
document.addEventListener("submit", async (e) => {
  const f = e.target;
  if (!f.classList || !f.classList.contains("vote-form")) return;
  e.preventDefault();
  try {
    const r = await fetch(f.getAttribute("action"), { method: "POST", body: new URLSearchParams(new FormData(f)), headers: { "Accept": "application/json" } });
    if (!r.ok) { f.submit(); return; }
    const j = await r.json();
    f.querySelector(".count").textContent = j.upvotes;
    f.querySelector("input[name=action]").value = j.voted ? "down" : "up";
    f.classList.toggle("voted", j.voted);
  } catch (_) { f.submit(); }
});

// "Not interested": fold the paper away in place, with an undo; the form
// posts normally without JavaScript.
document.addEventListener("submit", async (e) => {
  const f = e.target;
  if (!f.classList || !f.classList.contains("not-interested-form")) return;
  e.preventDefault();
  try {
    const r = await fetch(f.getAttribute("action"), { method: "POST", body: new URLSearchParams(new FormData(f)), headers: { "Accept": "application/json" } });
    if (!r.ok) { f.submit(); return; }
    const j = await r.json();
    const card = f.closest(".paper-card");
    if (card) card.classList.toggle("dismissed", j.notInterested);
    f.querySelector("input[name=action]").value = j.notInterested ? "off" : "on";
    const b = f.querySelector("button");
    b.textContent = j.notInterested ? "Undo: show it again" : "Not interested";
  } catch (_) { f.submit(); }
});
