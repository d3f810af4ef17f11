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
