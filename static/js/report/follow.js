// "Phản ánh của tôi": the cases filed from this phone (localStorage: id, citizen token, kind,
// category, when), and the follow view of one case through its citizen token (X-Citizen-Token):
// status in words, the unit's result text and photos (or the answer to a question), and, once
// resolved, rate it (satisfied / accepted / not satisfied) or dispute it with a reason, which
// sends it back to the unit. The token never leaves the fragment and this phone.
import { h } from "../core/dom.js";
import { statusLabel } from "../core/labels.js";

const STORE = "ioc-my-cases";
const MAX_KEPT = 100;

export const RATINGS = {
  satisfied: { vi: "😊 Hài lòng", en: "😊 Satisfied" },
  accepted: { vi: "😐 Chấp nhận được", en: "😐 Acceptable" },
  not_satisfied: { vi: "☹️ Không hài lòng", en: "☹️ Not satisfied" },
};

const W = {
  filed: { vi: "Gửi lúc", en: "Filed" },
  due: { vi: "Hạn xử lý", en: "Due by" },
  result: { vi: "Kết quả xử lý của đơn vị", en: "The unit's result" },
  answer: { vi: "Trả lời của cơ quan", en: "The answer" },
  yours: { vi: "Nội dung bạn gửi (đã ẩn thông tin cá nhân)", en: "What you sent (personal details masked)" },
  yourPhotos: { vi: "Ảnh bạn gửi", en: "Your photos" },
  unitPhotos: { vi: "Ảnh của đơn vị", en: "The unit's photos" },
  duplicate: { vi: "Sự việc này đã được phản ánh trước; phản ánh của bạn được gộp vào hồ sơ đang xử lý.",
               en: "This was already reported; your report was joined to the case being handled." },
  rateAsk: { vi: "Bạn đánh giá kết quả xử lý thế nào?", en: "How do you rate the result?" },
  rated: { vi: "Bạn đã đánh giá:", en: "Your rating:" },
  disputeAsk: { vi: "Chưa được giải quyết? Gửi lại cho đơn vị, nói rõ lý do:", en: "Not fixed? Send it back to the unit, saying why:" },
  disputeBtn: { vi: "Chưa giải quyết — gửi lại đơn vị", en: "Not fixed — send it back" },
  disputeEmpty: { vi: "Hãy ghi lý do (điều gì chưa được giải quyết) trước khi gửi lại.", en: "Write what is still wrong before sending it back." },
  disputed: { vi: "Đã gửi lại cho đơn vị xử lý. Bạn sẽ thấy kết quả mới tại đây.", en: "Sent back to the unit. The new result will show here." },
  thanks: { vi: "Cảm ơn bạn đã đánh giá.", en: "Thank you for your rating." },
  refresh: { vi: "↻ Cập nhật", en: "↻ Refresh" },
  notFound: { vi: "Không tìm thấy phản ánh này, hoặc liên kết không đúng (thiếu ký tự?). Mở lại liên kết đầy đủ.",
              en: "This case was not found, or the link is wrong (cut short?). Open the full link again." },
  offline: { vi: "Chưa có kết nối. Trang sẽ hiện trạng thái khi có mạng; bấm “Cập nhật” để thử lại.",
             en: "No connection. The status will show once online; press “Refresh” to try again." },
  failed: { vi: "Không thực hiện được: ", en: "Could not do it: " },
  back: { vi: "← Phản ánh của tôi", en: "← My reports" },
  hidden: { vi: "Nội dung phản ánh đã bị ẩn do vi phạm quy định.", en: "The content was hidden for breaking the rules." },
};

export class MyCases {
  constructor() { this.items = this.read(); }

  read() {
    try {
      const list = JSON.parse(localStorage.getItem(STORE) || "[]");
      return Array.isArray(list) ? list.filter((c) => c && typeof c.id === "string" && typeof c.t === "string") : [];
    } catch {
      return [];
    }
  }

  // Keep a case ({id, t, kind, category, at}); a case already kept is refreshed, not doubled.
  remember(entry) {
    this.items = [entry, ...this.read().filter((c) => c.id !== entry.id)].slice(0, MAX_KEPT);
    localStorage.setItem(STORE, JSON.stringify(this.items));
  }

  get(id) { return this.read().find((c) => c.id === id) || null; }
}

// The private link of a case (the token only in the fragment).
export function privateLink(id, token) {
  return `${location.origin}/report#case=${encodeURIComponent(id)}&t=${encodeURIComponent(token)}`;
}

// The list of kept cases as links to their follow views.
export function renderMine(list, cases, i18n, categoryName) {
  list.replaceChildren(...cases.map((c) => h("li", {},
    h("a", { href: `#case=${encodeURIComponent(c.id)}`, dataset: { id: c.id } },
      h("strong", { text: categoryName(c.category) }), h("br"),
      h("span", { class: "muted", text: `${i18n.time(c.at, { date: true })} · ` }),
      h("span", { class: "case-id", text: c.id.slice(0, 8) })))));
}

export class FollowView {
  // page: {api, i18n, categoryName(code), el}
  constructor(page) {
    this.page = page;
    this.entry = null;
    this.detail = null;
    this.message = null;
  }

  path(entry) { return `/api/v1/${entry.kind === "question" ? "questions" : "reports"}/${entry.id}`; }

  headers() { return { "X-Citizen-Token": this.entry.t }; }

  // Load the case of `entry` ({id, t, kind}) and draw it; resolves with the detail or null.
  async open(entry) {
    this.entry = entry;
    this.message = null;
    return this.load();
  }

  async load() {
    const { api } = this.page;
    try {
      this.detail = (await api.request("GET", this.path(this.entry), { headers: this.headers() })).body;
    } catch (err) {
      if (err.status === 404 && this.entry.kind !== "question" && !this.entry.triedQuestion) {
        this.entry = { ...this.entry, kind: "question", triedQuestion: true };  // a link without its kind
        return this.load();
      }
      this.detail = null;
      this.message = { text: err.status === 0 ? W.offline : [401, 404].includes(err.status) ? W.notFound : null,
                       raw: err.message, bad: true };
    }
    this.render();
    return this.detail;
  }

  async act(body, done) {
    const { api } = this.page;
    try {
      await api.request("POST", `${this.path(this.entry)}/transitions`, { body, headers: this.headers() });
      this.message = { text: done, bad: false };
      await this.load();
    } catch (err) {
      this.message = { text: err.status === 0 ? W.offline : null, raw: err.message, bad: true };
      this.render();
    }
  }

  render() {
    const { el, i18n } = this.page;
    const t = (x) => i18n.t(x);
    const parts = [h("a", { href: "#mine", class: "btn", text: t(W.back) })];
    if (this.message) {
      parts.push(h("p", { class: this.message.bad ? "msg" : "msg ok", role: "alert", id: "follow-msg",
                          text: this.message.text ? t(this.message.text) : t(W.failed) + this.message.raw }));
    }
    if (this.detail) parts.push(...this.caseParts(this.detail));
    parts.push(h("button", { type: "button", class: "btn big", id: "refresh", text: t(W.refresh), on: { click: () => this.load() } }));
    el.replaceChildren(...parts);
    el.dataset.status = this.detail ? this.detail.case.status : "";
  }

  caseParts({ case: ev, actions }) {
    const { i18n, categoryName } = this.page;
    const t = (x) => i18n.t(x);
    const props = ev.props || {};
    const c = props.case || {};
    const out = [
      h("div", { class: "follow-head" },
        h("h1", { text: categoryName(ev.category) }),
        h("span", { id: "status", class: `status-badge status-${ev.status}`, text: statusLabel(ev.kind, ev.status, i18n) })),
      h("p", {}, h("span", { class: "muted", text: `${t(W.filed)}: ` }), i18n.time(ev.observed_at, { date: true }),
        ev.deadline && !c.resolved_at ? h("span", { class: "muted", text: ` · ${t(W.due)}: ${i18n.time(ev.deadline, { date: true })}` }) : null),
      h("p", { class: "case-id", text: ev.id }),
    ];
    if (c.duplicate_of) out.push(h("p", { class: "note", text: t(W.duplicate) }));
    if (props.hidden) out.push(h("p", { class: "note", text: t(W.hidden) }));
    const result = ev.kind === "question" ? c.answer : c.result;
    if (result) {
      out.push(h("section", { class: "result", id: "result" },
        h("h2", { text: t(ev.kind === "question" ? W.answer : W.result) }), h("p", { text: result }),
        photos(c.result_media, t(W.unitPhotos))));
    }
    if (c.rating) out.push(h("p", { id: "rating" }, `${t(W.rated)} `, h("strong", { text: t(RATINGS[c.rating] || { vi: "—" }) })));
    const names = new Set((actions || []).map((a) => (typeof a === "string" ? a : a.name)));
    if (names.has("rate")) out.push(this.rateBox(t));
    if (names.has("dispute")) out.push(this.disputeBox(t));
    const text = props.description || props.question;
    if (text || (props.media || []).length) {
      out.push(h("section", { class: "box" }, h("h2", { text: t(W.yours) }), text ? h("p", { text }) : null,
        photos(props.media, t(W.yourPhotos))));
    }
    return out;
  }

  rateBox(t) {
    return h("section", { class: "box rate", id: "rate" }, h("h2", { text: t(W.rateAsk) }),
      h("div", { class: "row" }, ...Object.entries(RATINGS).map(([rating, words]) =>
        h("button", { type: "button", class: "btn", dataset: { rating }, text: t(words),
                      on: { click: () => this.act({ action: "rate", rating }, W.thanks) } }))));
  }

  disputeBox(t) {
    const reason = h("textarea", { id: "dispute-reason", rows: 2, maxlength: 1000, "aria-label": t(W.disputeAsk) });
    const send = () => {
      if (!reason.value.trim()) {
        this.message = { text: W.disputeEmpty, bad: true };
        this.render();
        document.getElementById("dispute-reason").focus();
        return;
      }
      this.act({ action: "dispute", reason: reason.value.trim() }, W.disputed);
    };
    return h("section", { class: "box dispute", id: "dispute" }, h("h2", { text: t(W.disputeAsk) }), reason,
      h("button", { type: "button", class: "btn big", id: "dispute-send", text: t(W.disputeBtn), on: { click: send } }));
  }
}

// Thumbnails of media URLs (strings, or {url, thumb_url} entries), each opening the full photo.
function photos(media, label) {
  const list = (media || []).map((m) => (typeof m === "string" ? { url: m } : m)).filter((m) => m && m.url);
  if (!list.length) return null;
  return h("div", {}, h("p", { class: "muted", text: label }),
    h("ul", { class: "photos" }, ...list.map((m) => h("li", {},
      h("a", { href: m.url, target: "_blank", rel: "noopener" },
        h("img", { src: m.thumb_url || thumbOf(m.url), alt: label, loading: "lazy" }))))));
}

// The contract's thumbnail address of a stored photo (/media/{id}.jpg → /media/{id}.thumb.jpg).
function thumbOf(url) { return /\/media\/[^/]+\.jpg$/.test(url) && !url.endsWith(".thumb.jpg") ? url.replace(/\.jpg$/, ".thumb.jpg") : url; }
