// Machine tokens and kiosk credentials on the administration page (GET/POST /api/v1/tokens,
// DELETE /api/v1/tokens/{id}): the table (label, kind, role, owner, last used, state), the
// create form (a machine token's secret, or a kiosk's link /wall#kiosk=…, shown once) and
// revocation (confirmed first; the token's websockets close at once). People's sign-in sessions
// are tokens too on the server; they are not listed here.
import { h, showError } from "../core/dom.js";
import { roleLabel } from "../core/labels.js";
import { KINDS, STATES, TOKEN_ROLES, absolute, confirmDialog, fillSelect, roleOptions, showBindings, showSecret } from "./ui.js";

const ORDER = { live: 0, expired: 1, revoked: 2 };

export class Tokens {
  constructor(section, page) {
    this.page = page;
    this.i18n = page.i18n;
    this.list = [];
    this.form = section.querySelector("#token-form");
    this.body = section.querySelector("#tokens-table tbody");
    this.secret = section.querySelector("#token-secret");
    this.$ = (id) => section.querySelector("#" + id);
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.create(); });
    this.$("t-role").addEventListener("change", () => this.roleChanged());
    this.$("t-kiosk").addEventListener("change", () => this.roleChanged());
    page.on("lang", () => { this.fillChoices(); this.render(); });
    page.on("people", () => { this.fillChoices(); this.render(); });
    this.fillChoices();
    this.roleChanged();
  }

  fillChoices() {
    const { page, i18n } = this;
    fillSelect(this.$("t-role"), roleOptions(TOKEN_ROLES, i18n));
    fillSelect(this.$("t-agency"), [...page.agencies.keys()].map((id) => ({ value: id, text: page.agencyName(id) })),
      { empty: { vi: "— không gắn đơn vị —", en: "— no agency —" }, i18n });
    fillSelect(this.$("t-unit"), [...page.units.keys()].map((id) => ({ value: id, text: page.unitName(id) })),
      { empty: { vi: "— chọn đội —", en: "— choose a unit —" }, i18n });
    const people = page.people ? page.people.list : [];
    fillSelect(this.$("t-owner"), people.map((u) => ({ value: u.username, text: `${u.name || u.username} (${u.username})` })),
      { empty: { vi: "— không —", en: "— none —" }, i18n });
  }

  // A kiosk is always a wall.
  roleChanged() {
    const kiosk = this.$("t-kiosk").checked;
    if (kiosk) this.$("t-role").value = "wall";
    this.$("t-role").disabled = kiosk;
    showBindings(this.form, this.$("t-role").value);
  }

  ownerName(username) {
    if (!username) return "—";
    const u = this.page.people && this.page.people.list.find((p) => p.username === username);
    return u && u.name ? u.name : username;
  }

  async refresh() {
    const tokens = (await this.page.api.get("/api/v1/tokens")).tokens;
    this.list = tokens.filter((t) => !t.kind || t.kind in KINDS);
    this.list.sort((a, b) => (ORDER[a.state] ?? 3) - (ORDER[b.state] ?? 3) || String(b.created_at).localeCompare(String(a.created_at)));
    this.render();
  }

  render() {
    const rows = this.list.map((t) => this.row(t));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 7, class: "empty", text: this.i18n.t({ vi: "Chưa có mã nào.", en: "No token yet." }) })));
    this.body.replaceChildren(...rows);
  }

  row(tk) {
    const { i18n, page } = this;
    const t = (words) => i18n.t(words);
    const bound = tk.unit_id || tk.agency_id ? ` · ${page.bindingName(tk)}` : "";
    const state = h("span", { class: tk.state === "live" ? "pill ok" : "pill off", text: t(STATES[tk.state] || { vi: tk.state }) });
    const until = tk.state === "live" && tk.expires_at ? h("span", { class: "tag", text: t({ vi: "đến ", en: "until " }) + page.when(tk.expires_at) }) : null;
    const revoke = tk.state === "live" ? h("button", { type: "button", class: "btn danger", dataset: { action: "revoke" },
      text: t({ vi: "Thu hồi", en: "Revoke" }), on: { click: () => this.revoke(tk) } }) : null;
    return h("tr", { dataset: { id: tk.id, state: tk.state, kind: tk.kind || "machine" } },
      h("td", { text: tk.label || "—" }),
      h("td", { text: t(KINDS[tk.kind] || KINDS.machine) }),
      h("td", { text: roleLabel(tk.role, i18n) + bound }),
      h("td", { text: this.ownerName(tk.owner) }),
      h("td", { text: tk.last_used_at ? page.when(tk.last_used_at) : t({ vi: "Chưa dùng", en: "Never" }) }),
      h("td", {}, state, until),
      h("td", { class: "actions" }, revoke));
  }

  read() {
    const v = (id) => this.$(id).value.trim();
    const kiosk = this.$("t-kiosk").checked;
    const body = { label: v("t-label"), role: kiosk ? "wall" : v("t-role"), kiosk };
    if (!this.$("t-agency").closest("label").hidden && v("t-agency")) body.agency_id = v("t-agency");
    if (!this.$("t-unit").closest("label").hidden && v("t-unit")) body.unit_id = v("t-unit");
    if (v("t-owner")) body.owner = v("t-owner");
    if (v("t-ttl")) body.ttl_days = Number(v("t-ttl"));
    return body;
  }

  async create() {
    const body = this.read();
    if (!body.label) {
      showError(this.i18n.t({ vi: "Hãy đặt tên gợi nhớ cho mã (ví dụ: nơi đặt màn hình).", en: "Give the token a label (e.g. where the screen is)." }));
      return;
    }
    try {
      const answer = await this.page.api.post("/api/v1/tokens", body);
      showError("");
      this.form.reset();
      this.roleChanged();
      this.showOnce(answer);
      await this.refresh();
    } catch (err) {
      this.page.failed({ vi: "Chưa tạo được mã", en: "The token was not created" }, err);
    }
  }

  showOnce(answer) {
    const label = answer.token.label;
    if (answer.kiosk_url) {
      showSecret(this.secret, this.i18n, { kind: "kiosk", value: absolute(answer.kiosk_url),
        title: { vi: `Liên kết kiosk "${label}": mở một lần trên màn hình đó, màn hình sẽ tự nhớ:`,
                 en: `Kiosk link "${label}": open it once on that screen; it remembers by itself:` } });
    } else {
      showSecret(this.secret, this.i18n, { kind: "token", value: answer.secret,
        title: { vi: `Mã truy cập "${label}" (dùng trong phần mềm, header Authorization: Bearer …):`,
                 en: `Token "${label}" (for software: header Authorization: Bearer …):` } });
    }
  }

  async revoke(tk) {
    const ok = await confirmDialog(this.i18n, {
      vi: `Thu hồi "${tk.label}"? Máy hoặc màn hình dùng mã này mất quyền truy cập ngay.`,
      en: `Revoke "${tk.label}"? The machine or screen using it loses access at once.` });
    if (!ok) return;
    try {
      await this.page.api.delete(`/api/v1/tokens/${encodeURIComponent(tk.id)}`);
      await this.refresh();
    } catch (err) {
      this.page.failed({ vi: "Chưa thu hồi được", en: "Not revoked" }, err);
    }
  }
}
