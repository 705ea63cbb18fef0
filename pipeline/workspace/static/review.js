// The review screen: page image with the words of the doubtful fields marked, zoom, pages, rotation, and the
// keyboard — Tab between fields, Enter accepts, Alt+T type, Alt+N next, Alt+Q quarantine (with a reason), Alt+S
// the stack's split (a page box; Tab between pages, Enter corrects).
const root = document.getElementById("review");
const key = root.dataset.key;
const pages = Number(root.dataset.pages || 1);
const sheet = document.getElementById("sheet");
const img = document.getElementById("page-img");
const boxes = document.getElementById("boxes");
const form = document.getElementById("review-form");
const state = { page: 1, zoom: 1, rotate: 0, focus: null };

function fieldBoxes(el) {
  try { return JSON.parse(el.dataset.boxes || "[]"); } catch { return []; }
}

function draw() {
  if (!boxes) return;
  boxes.replaceChildren();
  for (const el of document.querySelectorAll(".field[data-field]")) {
    const focused = el.dataset.field === state.focus;
    if (!focused && !el.classList.contains("doubtful")) continue;
    for (const [page, left, top, width, height] of fieldBoxes(el)) {
      if (page !== state.page) continue;
      const b = document.createElement("div");
      b.className = focused ? "box focus" : "box";
      b.dataset.field = el.dataset.field;
      b.style.left = `${left * 100}%`;
      b.style.top = `${top * 100}%`;
      b.style.width = `${width * 100}%`;
      b.style.height = `${height * 100}%`;
      boxes.append(b);
    }
  }
}

function layout() {
  if (!sheet) return;
  sheet.style.width = `${state.zoom * 100}%`;
  sheet.style.transform = state.rotate ? `rotate(${state.rotate}deg)` : "";
  if (state.rotate === 90) sheet.style.transform += " translateY(-100%)";
  if (state.rotate === 180) sheet.style.transform += " translate(-100%, -100%)";
  if (state.rotate === 270) sheet.style.transform += " translateX(-100%)";
}

function showPage(n) {
  if (!img || n < 1 || n > pages) return;
  state.page = n;
  img.src = `/workspace/review/${key}/page/${n}`;
  document.getElementById("page-no").textContent = String(n);
  draw();
}

function focusField(name) {
  state.focus = name;
  const el = document.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
  const first = el ? fieldBoxes(el)[0] : null;
  if (first && first[0] !== state.page) showPage(first[0]);
  else draw();
  const box = boxes && boxes.querySelector(".box.focus");
  if (box) box.scrollIntoView({ block: "center", inline: "nearest" });
}

document.getElementById("page-prev")?.addEventListener("click", () => showPage(state.page - 1));
document.getElementById("page-next")?.addEventListener("click", () => showPage(state.page + 1));
document.getElementById("zoom-in")?.addEventListener("click", () => { state.zoom = Math.min(4, state.zoom * 1.25); layout(); });
document.getElementById("zoom-out")?.addEventListener("click", () => { state.zoom = Math.max(0.4, state.zoom / 1.25); layout(); });
document.getElementById("rotate")?.addEventListener("click", () => { state.rotate = (state.rotate + 90) % 360; layout(); });

for (const input of document.querySelectorAll(".field[data-field] input")) {
  input.addEventListener("focus", () => focusField(input.closest(".field").dataset.field));
}

const quarantineForm = document.getElementById("quarantine-form");
function showQuarantine() {
  if (!quarantineForm) return;
  quarantineForm.classList.remove("hidden");
  document.getElementById("q-reason").focus();
}
document.getElementById("show-quarantine")?.addEventListener("click", showQuarantine);

document.addEventListener("keydown", (ev) => {
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
    const k = ev.key.toLowerCase();
    if (k === "n") { ev.preventDefault(); document.getElementById("next")?.click(); }
    else if (k === "t") { ev.preventDefault(); document.getElementById("type")?.focus(); }
    else if (k === "q") { ev.preventDefault(); showQuarantine(); }
    else if (k === "s") { ev.preventDefault(); document.querySelector("#split-form input[name^='p.']")?.focus(); }
    else if (k === "arrowright" || k === "pagedown") { ev.preventDefault(); showPage(state.page + 1); }
    else if (k === "arrowleft" || k === "pageup") { ev.preventDefault(); showPage(state.page - 1); }
    return;
  }
  // Enter on the type list accepts too (a list does not submit its form by itself)
  if (ev.key === "Enter" && ev.target && ev.target.id === "type" && form) {
    ev.preventDefault();
    form.requestSubmit(document.getElementById("accept"));
  }
  if (ev.key === "Escape" && quarantineForm && !quarantineForm.classList.contains("hidden")) {
    quarantineForm.classList.add("hidden");
  }
});

if (img) img.addEventListener("load", draw);
layout();
const active = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".field[data-field]") : null;
if (active) focusField(active.dataset.field); else draw();
