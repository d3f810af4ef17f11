// The people of the administration page (GET/POST /api/v1/users, PATCH /api/v1/users/{u},
// POST /api/v1/users/{u}/reset): the table (name, username, role, agency or unit, state, last
// sign-in in Huế time), the add-person form, which shows the one-time set-password link to
// copy, and per person: a new set-password link, disable / enable (each confirmed first).
// The list is `people.list`; the page hears "people" after every refresh.
import { h, showError } from "../core/dom.js";
import { roleLabel } from "../core/labels.js";
import { PERSON_ROLES, absolute, confirmDialog, fillSelect, roleOptions, showBindings, showSecret } from "./ui.js";

const SOURCES = { local: { vi: "tài khoản nội bộ", en: "local account" }, oidc: { vi: "tài khoản tỉnh (SSO)", en: "province account (SSO)" } };

// What is wrong with a new person's fields ({vi, en}), or null.
function problem(body) {
  if (!/^[a-z0-9][a-z0-9._-]{1,39}$/.test(body.username)) {
    return { vi: "Tên đăng nhập: 2–40 chữ thường không dấu, chữ số, dấu . _ -", en: "Username: 2–40 lower-case letters, digits, . _ -" };
  }
  if (!body.name) return { vi: "Hãy nhập họ và tên", en: "Enter the full name" };
  if (body.role === "agency" && !body.agency_id) return { vi: "Vai trò đơn vị cần chọn đơn vị", en: "The agency role needs an agency" };
  if (body.role === "responder" && !body.unit_id) return { vi: "Vai trò đội cứu hộ cần chọn đội", en: "The responder role needs a unit" };
  return null;
}

export class People {
  constructor(section, page) {
    this.page = page;
    this.i18n = page.i18n;
    this.list = [];
    this.form = section.querySelector("#person-form");
    this.body = section.querySelector("#people-table tbody");
    this.secret = section.querySelector("#person-secret");
    this.$ = (id) => section.querySelector("#" + id);
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.add(); });
    this.$("p-role").addEventListener("change", () => showBindings(this.form, this.$("p-role").value));
    page.on("lang", () => { this.fillChoices(); this.render(); });
    this.fillChoices();
    showBindings(this.form, this.$("p-role").value);
  }

  fillChoices() {
    const { page, i18n } = this;
    fillSelect(this.$("p-role"), roleOptions(PERSON_ROLES, i18n));
    fillSelect(this.$("p-agency"), [...page.agencies.keys()].map((id) => ({ value: id, text: page.agencyName(id) })),
      { empty: { vi: "— không gắn đơn vị —", en: "— no agency —" }, i18n });
    fillSelect(this.$("p-unit"), [...page.units.keys()].map((id) => ({ value: id, text: page.unitName(id) })),
      { empty: { vi: "— chọn đội —", en: "— choose a unit —" }, i18n });
  }

  async refresh() {
    this.list = (await this.page.api.get("/api/v1/users")).users;
    this.list.sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username, "vi"));
    this.render();
    this.page.emit("people", { people: this.list });
  }

  render() {
    const rows = this.list.map((u) => this.row(u));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 7, class: "empty", text: this.i18n.t({ vi: "Chưa có ai.", en: "Nobody yet." }) })));
    this.body.replaceChildren(...rows);
  }

  row(u) {
    const { i18n, page } = this;
    const t = (words) => i18n.t(words);
    const state = u.enabled ? h("span", { class: "pill ok", text: t({ vi: "Đang hoạt động", en: "Active" }) })
      : h("span", { class: "pill off", text: t({ vi: "Đã khóa", en: "Disabled" }) });
    const unset = u.source !== "oidc" && u.has_password === false
      ? h("span", { class: "tag", text: t({ vi: "chưa đặt mật khẩu", en: "no password yet" }) }) : null;
    const actions = [];
    if (u.source !== "oidc") {
      actions.push(h("button", { type: "button", class: "btn", dataset: { action: "reset" },
        text: t({ vi: "Cấp lại mật khẩu", en: "Reset password" }), on: { click: () => this.reset(u) } }));
    }
    actions.push(h("button", { type: "button", class: u.enabled ? "btn danger" : "btn", dataset: { action: u.enabled ? "disable" : "enable" },
      text: t(u.enabled ? { vi: "Khóa", en: "Disable" } : { vi: "Mở khóa", en: "Enable" }), on: { click: () => this.setEnabled(u, !u.enabled) } }));
    return h("tr", { dataset: { username: u.username, enabled: String(u.enabled) } },
      h("td", { text: u.name || "—" }),
      h("td", {}, h("span", { class: "mono", text: u.username }), h("span", { class: "tag", text: t(SOURCES[u.source] || SOURCES.local) })),
      h("td", { text: roleLabel(u.role, i18n) }),
      h("td", { text: page.bindingName(u) }),
      h("td", {}, state, unset),
      h("td", { text: u.last_sign_in ? page.when(u.last_sign_in) : t({ vi: "Chưa đăng nhập", en: "Never" }) }),
      h("td", { class: "actions" }, ...actions));
  }

  // The form's content, or null after saying what is missing.
  read() {
    const v = (id) => this.$(id).value.trim();
    const body = { username: v("p-username").toLowerCase(), name: v("p-name"), role: v("p-role") };
    if (v("p-agency") && !this.$("p-agency").closest("label").hidden) body.agency_id = v("p-agency");
    if (v("p-unit") && !this.$("p-unit").closest("label").hidden) body.unit_id = v("p-unit");
    const missing = problem(body);
    if (missing) {
      showError(this.i18n.t(missing));
      return null;
    }
    return body;
  }

  async add() {
    const body = this.read();
    if (!body) return;
    try {
      const answer = await this.page.api.post("/api/v1/users", body);
      showError("");
      this.form.reset();
      showBindings(this.form, this.$("p-role").value);
      this.showLink(answer.user, answer.set_password_url);
      await this.refresh();
    } catch (err) {
      this.page.failed({ vi: "Chưa thêm được người", en: "The person was not added" }, err);
    }
  }

  showLink(user, url) {
    const name = user.name || user.username;
    showSecret(this.secret, this.i18n, { kind: "set-password", value: absolute(url),
      title: { vi: `Liên kết đặt mật khẩu cho ${name} (dùng một lần, có hạn):`,
               en: `Set-password link for ${name} (works once, expires):` } });
  }

  async reset(u) {
    const name = u.name || u.username;
    const ok = await confirmDialog(this.i18n, {
      vi: `Cấp lại mật khẩu cho ${name}? Mật khẩu cũ hết hiệu lực ngay và ${name} bị đăng xuất khỏi mọi nơi.`,
      en: `Reset the password of ${name}? The old password stops working at once and ${name} is signed out everywhere.` });
    if (!ok) return;
    try {
      const answer = await this.page.api.post(`/api/v1/users/${encodeURIComponent(u.username)}/reset`);
      this.showLink(u, answer.set_password_url);
      await this.refresh();
    } catch (err) {
      this.page.failed({ vi: "Chưa cấp lại được mật khẩu", en: "The password was not reset" }, err);
    }
  }

  async setEnabled(u, enabled) {
    const name = u.name || u.username;
    const ok = await confirmDialog(this.i18n, enabled
      ? { vi: `Mở khóa tài khoản của ${name}?`, en: `Enable the account of ${name}?` }
      : { vi: `Khóa tài khoản của ${name}? ${name} bị đăng xuất khỏi mọi nơi ngay lập tức.`,
          en: `Disable the account of ${name}? ${name} is signed out everywhere at once.` });
    if (!ok) return;
    try {
      await this.page.api.patch(`/api/v1/users/${encodeURIComponent(u.username)}`, { enabled });
      await this.refresh();
    } catch (err) {
      this.page.failed({ vi: "Chưa đổi được trạng thái", en: "The state was not changed" }, err);
    }
  }
}
