// Pieces of the administration page: the confirmation dialog, the box that shows a secret or a
// one-time link once (with a copy button), options of the role, agency, unit and person lists,
// and the words of states.
import { h } from "../core/dom.js";
import { roleLabel } from "../core/labels.js";

// Ask in the page's <dialog id="confirm">; resolves true when confirmed.
export function confirmDialog(i18n, text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = i18n.t(text);
  i18n.apply(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("confirm-ok").focus();
  });
}

// Show `value` (a secret, a link) once in `el` with `title` ({vi, en}), a copy button and a
// button that hides it for good. data-kind on the box says what it holds.
export function showSecret(el, i18n, { kind, title, value }) {
  const input = h("input", { readonly: true, value, class: "secret-value", "aria-label": i18n.t(title) });
  const copied = h("span", { class: "muted", role: "status" });
  const copy = h("button", { type: "button", class: "btn primary", text: i18n.t({ vi: "Sao chép", en: "Copy" }),
    on: { click: () => copyText(input).then(() => { copied.textContent = i18n.t({ vi: "Đã sao chép", en: "Copied" }); }) } });
  const hide = h("button", { type: "button", class: "btn", text: i18n.t({ vi: "Đã lưu, ẩn đi", en: "Saved it, hide" }),
    on: { click: () => el.replaceChildren() } });
  const note = { vi: "Chỉ hiện một lần: hãy sao chép và gửi ngay cho người nhận, qua kênh an toàn.",
                 en: "Shown once only: copy it now and hand it over through a safe channel." };
  el.replaceChildren(h("div", { class: "secret", dataset: { kind } },
    h("p", { text: i18n.t(title) }), h("div", { class: "row" }, input, copy, hide, copied),
    h("span", { class: "muted", text: i18n.t(note) })));
  input.select();
}

async function copyText(input) {
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(input.value);
  } else {
    document.execCommand("copy");  // a LAN address over http is not a secure context
  }
}

// The absolute address of a path of this site ("/password#code=…" → "http://host/password#…").
export function absolute(path) { return new URL(path, location.origin).href; }

export function fillSelect(select, options, { empty = null, i18n } = {}) {
  const keep = select.value;
  const items = empty ? [{ value: "", text: i18n.t(empty) }, ...options] : options;
  select.replaceChildren(...items.map((o) => h("option", { value: o.value, text: o.text })));
  if (items.some((o) => o.value === keep)) select.value = keep;
}

export const PERSON_ROLES = ["operator", "supervisor", "admin", "agency", "responder", "wall"];
export const TOKEN_ROLES = ["operator", "wall", "agency", "responder", "supervisor", "admin", "public"];

export function roleOptions(roles, i18n) {
  return roles.map((r) => ({ value: r, text: roleLabel(r, i18n) }));
}

// Which bindings a role takes: an agency (agency: required, supervisor: optional), a unit.
export function bindingOf(role) {
  return { agency: role === "agency" || role === "supervisor", unit: role === "responder" };
}

// Show the agency and unit fields of `form` as its role needs.
export function showBindings(form, role) {
  const need = bindingOf(role);
  for (const el of form.querySelectorAll(".bind-agency")) el.hidden = !need.agency;
  for (const el of form.querySelectorAll(".bind-unit")) el.hidden = !need.unit;
}

export const STATES = {
  live: { vi: "Còn hiệu lực", en: "Live" }, expired: { vi: "Hết hạn", en: "Expired" },
  revoked: { vi: "Đã thu hồi", en: "Revoked" },
};
export const KINDS = { machine: { vi: "Máy, phần mềm", en: "Machine" }, kiosk: { vi: "Màn hình kiosk", en: "Kiosk" } };
