// Keyboard use of the review page (1-5 judge, c comment, s skip, p previous) and citation markers
// on the Ask page that open their passage. Everything works without this script, only slower.
"use strict";
document.addEventListener("keydown", (event) => {
  const form = document.getElementById("judge-form");
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (!form || typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const verdict = form.querySelector(`button[data-key="${event.key}"]`);
  const target = verdict || { c: document.getElementById("comment"), s: document.getElementById("skip"),
                              p: document.getElementById("previous") }[event.key];
  if (!target) return;
  event.preventDefault();
  if (target.tagName === "TEXTAREA") target.focus(); else target.click();
});
document.addEventListener("click", (event) => {
  const marker = event.target.closest?.("a.marker");
  if (!marker) return;
  const details = document.getElementById(`cite-${marker.dataset.cite}`);
  if (details) { details.open = true; details.querySelector("summary").focus(); }
});
