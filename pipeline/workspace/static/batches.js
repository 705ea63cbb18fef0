// Live progress of the batch list and of one batch: the figures are asked again every 3 seconds and updated in
// place (no reload).
const STATUS_VI = {
  pending: "chờ xử lý", processing: "đang xử lý", retrying: "chờ thử lại", archived: "đã lưu trữ",
  needs_review: "cần kiểm tra", quarantined: "cách ly", duplicate: "trùng", failed: "lỗi tạm thời",
  elsewhere: "đang xử lý ở lượt khác",
};
const BATCH_VI = { running: "đang chạy", done: "xong", interrupted: "bị gián đoạn" };
const en = document.documentElement.lang === "en";
const statusName = (s) => (en ? s.replace("_", " ") : STATUS_VI[s] || s);
const reasonText = (r) => { const i = r.indexOf(" / "); return i < 0 ? r : (en ? r.slice(i + 3) : r.slice(0, i)); };

function set(row, col, text) {
  const el = row.querySelector(`[data-col="${col}"]`);
  if (el && el.textContent !== String(text)) el.textContent = String(text);
}

function fillBatch(row, b) {
  set(row, "state", en ? b.state : BATCH_VI[b.state] || b.state);
  set(row, "done", b.done);
  set(row, "items", b.items);
  set(row, "pages", b.pages);
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

async function poll(el) {
  try {
    const r = await fetch(el.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok) return;
    const data = await r.json();
    if (data.batches) {
      for (const b of data.batches) {
        const row = document.querySelector(`tr[data-batch="${CSS.escape(b.batch_id)}"]`);
        if (row) fillBatch(row, b);
      }
    } else {
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
}

for (const el of document.querySelectorAll("[data-poll]")) {
  setInterval(() => poll(el), 3000);
}
