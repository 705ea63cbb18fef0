// Live progress of the batch list and of one batch, updated in place (no reload). The list asks only while a
// batch on it runs or is starting, and only for those batches (plus any newer one): one small query a round.
const STATUS_VI = {
  pending: "chờ xử lý", processing: "đang xử lý", retrying: "chờ thử lại", archived: "đã lưu trữ",
  needs_review: "cần kiểm tra", quarantined: "cách ly", duplicate: "trùng", failed: "lỗi tạm thời",
  elsewhere: "đang xử lý ở lượt khác",
};
const BATCH_VI = { running: "đang chạy", done: "xong", interrupted: "bị gián đoạn", starting: "đang bắt đầu",
  refused: "không bắt đầu được" };
const en = document.documentElement.lang === "en";
const EVERY = 3000;
const statusName = (s) => (en ? s.replace("_", " ") : STATUS_VI[s] || s);
const batchState = (s) => (en ? s.replace("refused", "could not start") : BATCH_VI[s] || s);
const reasonText = (r) => { const i = r.indexOf(" / "); return i < 0 ? r : (en ? r.slice(i + 3) : r.slice(0, i)); };

function set(row, col, text) {
  const el = row.querySelector(`[data-col="${col}"]`);
  if (el && el.textContent !== String(text)) el.textContent = String(text);
}

function fillBatch(row, b) {
  set(row, "state", batchState(b.state));
  set(row, "done", b.done);
  set(row, "items", b.items);
  set(row, "pages", b.pages);
  if (row.dataset.state !== undefined) row.dataset.state = b.state;
  const bar = row.querySelector("progress");
  if (bar) { bar.max = b.items || 1; bar.value = b.done; }
  const totals = row.querySelector('[data-col="totals"]');
  if (totals && b.totals) {
    totals.replaceChildren(...Object.entries(b.totals).filter(([, n]) => n).map(([k, n]) => {
      const s = document.createElement("span");
      s.className = `st st-${k}`;
      s.textContent = `${statusName(k)}: ${n} `;
      return s;
    }));
  }
}

// --- the batch list -------------------------------------------------------------------------------------------
function newRow(b) {
  const row = document.getElementById("batch-row").content.firstElementChild.cloneNode(true);
  row.dataset.batch = b.batch_id;
  const a = row.querySelector("a");
  a.href = `/workspace/batches/${encodeURIComponent(b.batch_id)}`;
  a.textContent = b.batch_id;
  set(row, "agency", b.agency);
  set(row, "operator", b.operator);
  set(row, "created", b.created || "");
  return row;
}

function fillStarting(body, s) {
  let row = body.querySelector(`tr[data-starting="${CSS.escape(s.batch_id)}"]`);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.starting = s.batch_id;
    for (const text of [s.batch_id, s.agency, s.operator]) row.insertCell().textContent = text;
    row.insertCell().dataset.col = "state";
    const label = row.insertCell();
    label.colSpan = 4;
    label.dataset.col = "label";
    body.prepend(row);
  }
  if (s.error) row.dataset.error = "1";
  set(row, "state", batchState(s.error ? "refused" : "starting"));
  set(row, "label", s.error ? `${s.label} — ${s.error}` : s.label);
}

async function pollList(table) {
  const body = table.tBodies[0];
  const running = [...body.querySelectorAll('tr[data-state="running"]')].map((r) => r.dataset.batch);
  const starting = [...body.querySelectorAll("tr[data-starting]:not([data-error])")].map((r) => r.dataset.starting);
  if (!running.length && !starting.length) return; // nothing moves: no more questions until the page is opened again
  const newest = body.querySelector("tr[data-batch]");
  const q = new URLSearchParams({ ids: [...running, ...starting].join(",") });
  if (newest) q.set("after", newest.dataset.batch);
  try {
    const r = await fetch(`${table.dataset.poll}?${q}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.ok) {
      const data = await r.json();
      for (const b of [...data.batches].reverse()) {
        let row = body.querySelector(`tr[data-batch="${CSS.escape(b.batch_id)}"]`);
        if (!row) {
          row = newRow(b);
          const lastStarting = [...body.querySelectorAll("tr[data-starting]")].pop();
          body.insertBefore(row, lastStarting ? lastStarting.nextSibling : body.firstChild);
        }
        fillBatch(row, b);
        body.querySelector(`tr[data-starting="${CSS.escape(b.batch_id)}"]`)?.remove();
      }
      const still = new Set(data.starting.map((s) => s.batch_id));
      for (const s of data.starting) fillStarting(body, s);
      for (const row of body.querySelectorAll("tr[data-starting]:not([data-error])")) {
        if (!still.has(row.dataset.starting)) row.remove(); // recorded meanwhile: it shows as a batch next round
      }
      document.getElementById("no-batches")?.remove();
    }
  } catch { /* the next round tries again */ }
  setTimeout(() => pollList(table), EVERY);
}

// --- one batch --------------------------------------------------------------------------------------------------
// Asked while the batch runs; a batch done is still asked for a little while after the page opens (a retry just
// asked for reopens it a moment later).
const opened = Date.now();
async function pollBatch(el) {
  let state = "running";
  try {
    const r = await fetch(el.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.ok) {
      const data = await r.json();
      state = data.state;
      fillBatch(el, data);
      for (const it of data.item_rows || []) {
        const row = document.querySelector(`tr[data-item="${it.id}"]`);
        if (!row) continue;
        set(row, "status", statusName(it.status));
        row.querySelector('[data-col="status"]').className = `st st-${it.status}`;
        set(row, "reason", reasonText(it.reason || ""));
      }
    }
  } catch { /* the next round tries again */ }
  if (state === "running" || Date.now() - opened < 20000) setTimeout(() => pollBatch(el), EVERY);
}

const list = document.querySelector("table[data-poll]");
if (list) setTimeout(() => pollList(list), EVERY);
for (const el of document.querySelectorAll("div[data-poll]")) setTimeout(() => pollBatch(el), EVERY);
