// One warning as the desk checks it before and after sending: its status in words (a drill said
// so unmistakably), what it says, the reach inside its area (GET …/{id}/reach: open SOS and
// hotline calls, responder units, vessels, registered contacts), the public page and the CAP
// message (GET …/{id}.cap) as they will go out, the history with names, and the actions open
// to this person now (GET /api/v1/warnings/{id} `actions`): approve, send (confirmed, with the
// counts), update, edit, discard and cancel (with a reason). A refusal says why and reloads.
import { h } from "../core/dom.js";
import { actionLabel, statusLabel } from "../core/labels.js";
import { CAP_STATUS, CERTAINTY, DRILL_BANNER, ORIGIN, REACH, RESPONSES, SEVERITY, URGENCY, isDrill, say } from "./words.js";

// Actions that open the editor instead of acting at once; those that need a confirmation.
const EDITING = new Set(["edit", "update"]);
const CONFIRM = new Set(["send", "cancel"]);
const DONE = {
  approve: { vi: "Đã duyệt. Trưởng ca có thể phát cảnh báo.", en: "Approved. It can now be sent." },
  send: { vi: "Đã phát cảnh báo.", en: "The warning was sent." },
  discard: { vi: "Đã bỏ bản nháp.", en: "The draft was discarded." },
  cancel: { vi: "Đã hủy cảnh báo (bản tin CAP Cancel).", en: "The warning was cancelled (a CAP Cancel)." },
};
const CONTACT = { vi: "Đường dây nóng 1900 1075", en: "Hotline 1900 1075" };

export class Review {
  constructor(el, page) {
    this.el = el;
    this.page = page;
    this.$ = (id) => el.querySelector(`#${id}`);
    this.data = null;
    this.pending = null;
    this.seq = 0;
    page.on("select", ({ id }) => this.show(id));
    page.on("editing", ({ open }) => { el.hidden = open || !this.data; this.empty(); });
    page.on("warnings", ({ changed }) => this.changed(changed));
    page.on("lang", () => this.render());
    this.$("r-confirm-no").addEventListener("click", () => this.confirm(null));
    this.$("r-confirm-yes").addEventListener("click", () => this.pending && this.act(this.pending, true));
    this.$("tab-public").addEventListener("click", () => this.tab("public"));
    this.$("tab-cap").addEventListener("click", () => this.tab("cap"));
  }

  empty() {
    document.getElementById("side-empty").hidden = !this.el.hidden || !document.getElementById("editor").hidden;
  }

  async show(id) {
    this.confirm(null);
    this.message("", "");
    this.$("r-reason").value = "";
    if (!id) { this.data = null; this.el.hidden = true; this.empty(); this.page.map.show([]); return; }
    await this.load(id, true);
  }

  // Fetch the warning, its actions and history, its reach and its CAP message (the newest
  // request wins when several overlap).
  async load(id, fly = false) {
    const seq = ++this.seq;
    const base = `/api/v1/warnings/${id}`;
    try {
      const [one, reach, cap] = await Promise.all([
        this.page.api.get(base), this.page.api.get(`${base}/reach`), this.page.api.text(`${base}.cap`)]);
      if (seq !== this.seq) return;
      this.data = { ...one, reach, cap, at: Date.now() };
      this.page.keep(one.warning);
    } catch (err) {
      if (seq === this.seq) this.message("r-error", this.page.i18n.t({ vi: "Không tải được cảnh báo: ", en: "Could not load the warning: " }) + err.message);
      return;
    }
    this.el.hidden = !document.getElementById("editor").hidden;
    this.empty();
    this.render();
    const w = this.data.warning;
    this.page.map.show(w.props.communes || [], isDrill(w) ? "drill" : "real", fly);
  }

  changed(changed) {
    if (!this.data) return;
    const mine = changed.find((ev) => ev.id === this.data.warning.id);
    if (mine && mine.seq > this.data.warning.seq) this.load(mine.id);
  }

  render() {
    if (!this.data) return;
    const { i18n } = this.page;
    const w = this.data.warning;
    const p = w.props || {};
    const drill = isDrill(w);
    this.el.classList.toggle("is-drill", drill);
    this.el.dataset.status = w.status;
    this.el.dataset.id = w.id;
    this.$("r-drill").hidden = !drill;
    this.$("r-drill").textContent = i18n.t(DRILL_BANNER);
    const pill = this.$("r-status");
    pill.className = `status-pill status-${w.status}`;
    pill.textContent = statusLabel("warning", w.status, i18n);
    this.$("r-kind").textContent = say(CAP_STATUS, p.cap ? p.cap.status : p.cap_status || "Actual", i18n);
    this.$("r-headline").textContent = this.headline(w, i18n.lang);
    this.renderFacts(w);
    this.renderReach();
    this.renderActions();
    this.renderPublic();
    this.$("p-cap").textContent = this.data.cap;
    this.renderHistory();
  }

  headline(w, lang) {
    const p = w.props || {};
    if (p.headline) return p.headline[lang] || p.headline.vi;
    const infos = (p.cap && p.cap.infos) || [];
    const info = infos.find((i) => (i.language || "en").startsWith(lang)) || infos[0];
    return (info && (info.headline || info.event)) || this.page.categoryLabel(w.category);
  }

  renderFacts(w) {
    const { i18n } = this.page;
    const p = w.props || {};
    const rows = [
      [{ vi: "Loại", en: "Category" }, this.page.categoryLabel(w.category)],
      [{ vi: "Nguồn", en: "Origin" }, p.gauge ? `${say(ORIGIN, "gauge", i18n)}: ${p.gauge.station_name} — ${p.gauge.level_name} (${i18n.number(p.gauge.value, 2)} m)` : say(ORIGIN, p.origin, i18n)],
      [{ vi: "Mức khẩn cấp", en: "Urgency" }, say(URGENCY, p.urgency, i18n)],
      [{ vi: "Mức nguy hiểm", en: "Severity" }, say(SEVERITY, p.cap_severity, i18n)],
      [{ vi: "Độ chắc chắn", en: "Certainty" }, say(CERTAINTY, p.certainty, i18n)],
      [{ vi: "Người dân cần", en: "People should" }, (p.responses || []).map((r) => say(RESPONSES, r, i18n)).join(", ") || "—"],
      [{ vi: "Xã, phường", en: "Communes" }, (p.communes || []).map((c) => this.page.areaLabel(c)).join(", ") || "—"],
      [{ vi: "Hiệu lực", en: "Valid" }, this.validity(p)],
      [{ vi: "Đã phát lúc", en: "Sent at" }, p.sent ? i18n.time(p.sent, { date: true }) : "—"],
      [{ vi: "Mã bản tin", en: "Message id" }, p.identifier || "—"],
    ];
    if (p.updates) rows.push([{ vi: "Cập nhật cho", en: "Updates" }, this.relatedHeadline(p.updates)]);
    this.$("r-facts").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", { text: i18n.t(k) }), h("dd", { text: v })]));
  }

  relatedHeadline(id) {
    const other = this.page.warnings.get(id);
    return other ? this.headline(other, this.page.i18n.lang) : "—";
  }

  validity(p) {
    const { i18n } = this.page;
    const from = p.effective ? i18n.time(p.effective, { date: true }) : i18n.t({ vi: "khi phát", en: "when sent" });
    const to = p.expires ? i18n.time(p.expires, { date: true }) : i18n.t({ vi: "24 giờ sau khi phát", en: "24 h after sending" });
    return `${from} → ${to}`;
  }

  renderReach() {
    const { i18n } = this.page;
    const counts = this.data.reach.counts || {};
    this.$("r-reach").replaceChildren(...REACH.flatMap(([key, words]) => [
      h("dt", { text: i18n.t(words) }),
      h("dd", { text: i18n.number(counts[key] || 0), dataset: { key, count: String(counts[key] || 0) } })]));
    const w = this.data.warning;
    const stored = w.props.reach;
    const now = i18n.t({ vi: "Tính lúc ", en: "Counted at " }) + i18n.time(this.data.at, { seconds: true });
    const sent = stored && w.props.sent
      ? ` · ${i18n.t({ vi: "Khi phát", en: "When sent" })}: ${i18n.number(stored.contacts || 0)} ${i18n.t({ vi: "người đăng ký", en: "contacts" })}, ${i18n.number(stored.sos_open || 0)} SOS`
      : "";
    this.$("r-reach-note").textContent = now + sent;
  }

  renderActions() {
    const { i18n } = this.page;
    const names = (this.data.actions || []).filter((n) => this.page.actionTable.has(n));
    const buttons = names.map((name) => h("button", {
      type: "button", class: `btn${name === "send" ? " primary" : ""}${name === "cancel" || name === "discard" ? " danger" : ""}`,
      dataset: { action: name }, text: this.page.actionLabel(name), on: { click: () => this.act(name) } }));
    this.$("r-actions").replaceChildren(...buttons);
    const none = this.$("r-none");
    const w = this.data.warning;
    const waiting = ["draft", "approved"].includes(w.status) && !names.includes("approve") && !names.includes("send");
    none.hidden = !(waiting || !names.length);
    none.textContent = waiting
      ? i18n.t({ vi: "Trưởng ca (giám sát) duyệt và phát cảnh báo này.", en: "A supervisor approves and sends this warning." })
      : i18n.t({ vi: "Không có thao tác nào bạn làm được lúc này.", en: "Nothing you can do on this warning now." });
    this.$("r-reason").closest(".field").hidden = !names.some((n) => !EDITING.has(n));
  }

  confirm(name) {
    this.pending = name;
    const box = this.$("r-confirm");
    box.hidden = !name;
    if (!name) return;
    const { i18n } = this.page;
    const c = this.data.reach.counts || {};
    const drill = isDrill(this.data.warning);
    const text = name === "send"
      ? i18n.t({ vi: `Phát cảnh báo${drill ? " DIỄN TẬP" : ""} này tới ${i18n.number(c.contacts || 0)} người đăng ký, trong vùng có ${i18n.number(c.sos_open || 0)} SOS đang mở và ${i18n.number(c.responders || 0)} đội cứu hộ?`,
        en: `Send this${drill ? " DRILL" : ""} warning to ${i18n.number(c.contacts || 0)} registered contacts, with ${i18n.number(c.sos_open || 0)} open SOS calls and ${i18n.number(c.responders || 0)} units inside?` })
      : i18n.t({ vi: "Hủy cảnh báo đã phát? Một bản tin CAP Cancel sẽ được công bố.", en: "Cancel the sent warning? A CAP Cancel message is published." });
    this.$("r-confirm-text").textContent = text;
    this.$("r-confirm-yes").textContent = this.page.actionLabel(name);
    this.$("r-confirm-yes").focus();
  }

  async act(name, confirmed = false) {
    const w = this.data.warning;
    if (EDITING.has(name)) { this.page.editor.open(w, name); return; }
    const reason = this.$("r-reason").value.trim();
    const row = this.page.actionTable.get(name);
    if (row && row.reason && !reason) {
      this.message("r-error", this.page.i18n.t({ vi: "Hãy ghi lý do trước khi thực hiện.", en: "Write the reason first." }));
      this.$("r-reason").focus();
      return;
    }
    if (CONFIRM.has(name) && !confirmed) { this.confirm(name); return; }
    this.confirm(null);
    const body = { action: name, ...(reason ? { reason } : {}) };
    try {
      const answer = await this.page.api.post(`/api/v1/warnings/${w.id}/transitions`, body);
      this.$("r-reason").value = "";
      this.page.keep(answer.warning);
      await this.load(w.id);
      this.message("r-done", this.page.i18n.t(DONE[name] || { vi: "Đã thực hiện.", en: "Done." }));
    } catch (err) {
      this.message("r-error", this.refusal(err));
      await this.load(w.id);
    }
  }

  refusal(err) {
    const { i18n } = this.page;
    if (err.status === 0) return i18n.t({ vi: "Không kết nối được máy chủ; chưa thực hiện. Hãy thử lại.", en: "The server cannot be reached; nothing was done. Try again." });
    if (err.status === 403) return i18n.t({ vi: "Tài khoản của bạn không được làm thao tác này.", en: "Your account may not do this." });
    if (err.status === 409) return i18n.t({ vi: "Cảnh báo đã thay đổi trong lúc bạn xem (người khác vừa thao tác). Đã tải lại: hãy xem lại rồi chọn thao tác.", en: "The warning changed while you were looking (someone else acted). It was reloaded: check it, then choose again." });
    return `${i18n.t({ vi: "Máy chủ không nhận: ", en: "Refused: " })}${err.message}`;
  }

  message(id, text) {
    for (const key of ["r-error", "r-done"]) {
      const el = this.$(key);
      el.textContent = key === id ? text : "";
      el.hidden = key !== id || !text;
    }
  }

  tab(which) {
    this.$("p-public").hidden = which !== "public";
    this.$("p-cap").hidden = which !== "cap";
    for (const [id, on] of [["tab-public", which === "public"], ["tab-cap", which === "cap"]]) {
      this.$(id).classList.toggle("active", on);
      this.$(id).setAttribute("aria-selected", String(on));
    }
  }

  // The warning as the public page shows it, in Vietnamese then English.
  renderPublic() {
    const w = this.data.warning;
    const p = w.props || {};
    const drill = isDrill(w);
    const blocks = ["vi", "en"].map((lang) => {
      const t = (text) => (text ? text[lang] || text.vi : "");
      const i = { t: (x) => x[lang] };
      const words = (table, code) => (table[code] ? table[code][lang] : "—");
      return h("section", { class: "pub", lang },
        drill ? h("p", { class: "drill", text: DRILL_BANNER[lang] }) : null,
        h("p", { class: `pub-sev sev-${(p.cap_severity || "Moderate").toLowerCase()}`, text: `${words(SEVERITY, p.cap_severity)} · ${words(URGENCY, p.urgency)}` }),
        h("h4", { text: this.headline(w, lang) }),
        h("p", { class: "pub-where", text: `${i.t({ vi: "Khu vực: ", en: "Area: " })}${(p.communes || []).map((c) => this.page.areaLabel(c)).join(", ")}` }),
        p.description ? h("p", { text: t(p.description) }) : null,
        p.instruction ? h("p", { class: "pub-do", text: t(p.instruction) }) : null,
        h("p", { class: "muted", text: `${CONTACT[lang]} · ${i.t({ vi: "Ban Chỉ huy Phòng thủ dân sự thành phố Huế", en: "Huế city civil defence command" })}` }));
    });
    this.$("p-public").replaceChildren(...blocks);
  }

  renderHistory() {
    const { i18n } = this.page;
    const items = [...(this.data.history || [])].reverse().map((e) => h("li", {},
      h("span", { class: "muted", text: i18n.time(e.at, { date: true }) }), " ",
      h("strong", { text: actionLabel(e.action, i18n) }), " ",
      h("span", { text: e.actor_name || this.systemName(e) }),
      e.reason ? h("div", { class: "muted", text: `${i18n.t({ vi: "Lý do", en: "Reason" })}: ${e.reason}` }) : null));
    this.$("r-history").replaceChildren(...items);
  }

  systemName(e) {
    const { i18n } = this.page;
    if (e.actor === "warning-gauge") return i18n.t({ vi: "Trạm đo (tự động)", en: "River gauge (automatic)" });
    if (e.actor === "warning-timer") return i18n.t({ vi: "Hệ thống", en: "The system" });
    return i18n.t({ vi: "Mã truy cập máy", en: "A machine token" });
  }
}
