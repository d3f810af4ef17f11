// showQueued(el, outbox, i18n, labels): the banner that says which actions wait for the link.
//
// The header every page but the wall mounts first: the labels in the chosen language
// (data-vi/data-en), the connection indicator, the EN/VI button, and a clear message when the
// address carries no token. `page` has {token, i18n, connection}.
import { mountIndicator } from "./connection.js";
import { showError } from "./dom.js";

export function mountHeader(page, { conn = "conn", lang = "lang", onLang = () => {} } = {}) {
  page.i18n.apply(document);
  mountIndicator(document.getElementById(conn), page.connection, page.i18n);
  const button = document.getElementById(lang);
  const label = () => { button.textContent = page.i18n.lang === "vi" ? "EN" : "VI"; };
  button.title = "Tiếng Việt / English";
  button.addEventListener("click", () => page.i18n.toggle());
  page.i18n.addEventListener("change", () => { label(); onLang(); });
  label();
  if (!page.token) showError("Thiếu mã truy cập: mở địa chỉ có #token=… / Missing token: open the address with #token=…");
  return Boolean(page.token);
}

// The banner (`el`) saying which actions wait in the outbox for the link to come back: hidden
// when none waits; data-count carries the number. `labels` maps an entry's label to {vi, en}.
export function showQueued(el, outbox, i18n, labels) {
  const waiting = outbox.entries.filter((e) => e.state !== "failed");
  el.hidden = !waiting.length;
  el.dataset.count = String(waiting.length);
  el.textContent = i18n.t({ vi: "Mất sóng — sẽ gửi khi có mạng: ", en: "No link — will send when back: " })
    + waiting.map((e) => i18n.t(labels[e.label] || { vi: e.label })).join(", ");
}
