// The citizens' page (/report), phones first: file a report or a question without any account,
// get a case number and a private link (#case=ID&t=CITIZEN_TOKEN, kept on this phone under
// "Phản ánh của tôi"), follow it, rate or dispute the result. Made for slow links: a small page,
// photos resized before upload, the filing sent through the outbox (kept and sent again when
// the link comes back), every failure said in words. window.iocReport is the page object (for
// the browser tests).
import { Api } from "../core/api.js";
import { Connection, mountIndicator } from "../core/connection.js";
import { h, showError } from "../core/dom.js";
import { I18n } from "../core/i18n.js";
import { Outbox } from "../core/outbox.js";
import { showQueued } from "../core/page.js";
import { mountLang } from "../core/signin.js";
import { FollowView, MyCases, privateLink, renderMine } from "./follow.js";
import { ReportForm, WORDS as FORM } from "./form.js";
import { MAX_PHOTOS, WORDS as PHOTO, prepare, upload } from "./photos.js";
import { Place, WORDS as PLACE } from "./place.js";

const W = {
  noCategories: { vi: "Không tải được danh mục lĩnh vực (mất mạng?). Trang sẽ tự thử lại khi có mạng.",
                  en: "The categories could not be loaded (no connection?). The page tries again when back online." },
  check: { vi: "Chưa gửi được — hãy sửa các mục được đánh dấu đỏ.", en: "Not sent yet — fix the fields marked in red." },
  photo: (i, n) => ({ vi: `Đang gửi ảnh ${i}/${n}…`, en: `Sending photo ${i} of ${n}…` }),
  filing: { vi: "Đang gửi phản ánh…", en: "Sending the report…" },
  waiting: { vi: "Chưa có kết nối — phản ánh và ảnh được giữ lại trên máy và sẽ tự gửi khi có mạng. Đừng đóng trang này.",
             en: "No connection — the report and photos are kept on this phone and will be sent when the link is back. Keep this page open." },
  refused: { vi: "Máy chủ không nhận phản ánh: ", en: "The server refused the report: " },
  copied: { vi: "Đã sao chép liên kết.", en: "Link copied." },
  located: (p, commune, i18n) => {
    const where = commune ? `${commune.full_name || commune.name}` : "";
    const acc = p.accuracy ? ` (±${Math.round(p.accuracy)} m)` : "";
    const src = p.source === "gps" ? { vi: "Vị trí điện thoại", en: "Phone position" } : { vi: "Điểm đã chọn", en: "Point picked" };
    return `◎ ${i18n.t(src)}: ${where ? where + " · " : ""}${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}${acc}`;
  },
  queued: { report: { vi: "phản ánh", en: "report" }, question: { vi: "câu hỏi", en: "question" } },
};

class ReportPage {
  constructor() {
    this.el = (id) => document.getElementById(id);
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ connection: this.connection, credentials: "omit" });
    this.outbox = new Outbox(this.api, { connection: this.connection, storageKey: "ioc-outbox-report" });
    this.mine = new MyCases();
    this.place = new Place(this.api, this.el("map"));
    this.photos = [];
    this.form = null;
    this.categories = { categories: [], domains: [] };
    this.follow = new FollowView({ api: this.api, i18n: this.i18n, el: this.el("follow"),
                                   categoryName: (c) => this.categoryName(c) });
    this.sending = false;
    this.ready = false;
  }

  async start() {
    mountLang(this.i18n, this.el("lang"));
    mountIndicator(this.el("conn"), this.connection, this.i18n);
    this.connection.report("http", "up");
    this.i18n.addEventListener("change", () => this.relabel());
    this.outbox.addEventListener("change", () => showQueued(this.el("queued"), this.outbox, this.i18n, W.queued));
    this.outbox.addEventListener("sent", (e) => this.sentLater(e.detail));
    showQueued(this.el("queued"), this.outbox, this.i18n, W.queued);
    this.form = new ReportForm(this, this.categories);
    this.wire();
    await this.loadCategories();
    addEventListener("hashchange", () => this.route());
    this.route();
    this.ready = true;
  }

  async loadCategories() {
    try {
      this.categories = await this.api.get("/api/v1/categories");
      showError("");
    } catch {
      showError(this.i18n.t(W.noCategories));
      addEventListener("online", () => this.loadCategories(), { once: true });
      return;
    }
    this.form.all = this.categories.categories;
    this.form.domains = Object.fromEntries(this.categories.domains.map((d) => [d.code, d]));
    this.form.fillCategories();
    this.renderMine();
    if (this.follow.detail) this.follow.render();
  }

  categoryName(code) {
    const c = this.categories.categories.find((x) => x.code === code);
    return c ? this.i18n.t(c) : this.i18n.t({ vi: "Phản ánh", en: "Report" });
  }

  wire() {
    const f = this.el("form");
    for (const r of f.querySelectorAll("input[name=kind]")) r.addEventListener("change", () => this.form.fillCategories());
    this.el("category").addEventListener("change", () => { this.form.fillAttributes(); this.say("category", null); });
    this.el("text").addEventListener("input", () => this.say("text", null));
    for (const id of ["camera", "gallery"]) {
      this.el(id).addEventListener("change", (e) => { this.addPhotos([...e.target.files]); e.target.value = ""; });
    }
    this.el("gps").addEventListener("click", () => this.locate());
    this.el("pick").addEventListener("click", () => this.showMap());
    this.place.addEventListener("change", () => this.placed());
    f.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.el("copy").addEventListener("click", () => this.copyLink());
    this.el("again").addEventListener("click", () => { location.hash = ""; this.route(); });
  }

  relabel() {
    if (this.form) this.form.fillCategories();
    this.renderPhotos();
    this.placed(true);
    this.renderMine();
    if (this.follow.entry) this.follow.render();
  }

  // -- views ---------------------------------------------------------------------------------
  route() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const id = hash.get("case");
    let view = location.hash === "#mine" ? "mine" : id ? "follow" : "form";
    if (location.hash === "#done" && this.lastFiled) view = "done";
    for (const v of ["form", "done", "mine", "follow"]) this.el(v).hidden = v !== view;
    const mineTab = view === "mine" || view === "follow";
    this.el("tab-new").toggleAttribute("aria-current", !mineTab);
    this.el("tab-mine").toggleAttribute("aria-current", mineTab);
    this.el(mineTab ? "tab-mine" : "tab-new").setAttribute("aria-current", "page");
    if (view === "mine") this.renderMine();
    if (view === "follow") this.openCase(id, hash.get("t"));
    this.view = view;
  }

  openCase(id, token) {
    const kept = this.mine.get(id);
    if (token && (!kept || kept.t !== token)) {
      this.mine.remember({ id, t: token, kind: kept ? kept.kind : "report", category: kept ? kept.category : "",
                           at: kept ? kept.at : new Date().toISOString() });
    }
    if (token) history.replaceState(null, "", `#case=${encodeURIComponent(id)}`);  // the token stays on the phone
    const entry = this.mine.get(id);
    if (!entry) {
      this.el("follow").replaceChildren(h("p", { class: "msg", role: "alert", text: this.i18n.t({
        vi: "Máy này chưa lưu liên kết riêng của phản ánh này. Mở liên kết đầy đủ bạn nhận khi gửi.",
        en: "This phone does not hold the private link of this case. Open the full link you got when you sent it." }) }));
      return;
    }
    this.follow.open(entry).then((detail) => {
      if (detail && (!entry.category || entry.kind !== detail.case.kind)) {
        this.mine.remember({ ...entry, kind: detail.case.kind, category: detail.case.category });
      }
    });
  }

  renderMine() {
    const cases = this.mine.read();
    this.el("mine-count").textContent = cases.length ? String(cases.length) : "";
    this.el("mine-empty").hidden = cases.length > 0;
    renderMine(this.el("mine-list"), cases, this.i18n, (c) => this.categoryName(c));
  }

  // -- messages next to the fields ------------------------------------------------------------
  say(field, words) {
    const ids = { category: "category-msg", text: "text-msg", place: "place-msg", phone: "phone-msg",
                  photo: "photo-msg", form: "form-msg" };
    const msg = this.el(ids[field] || `${field}-msg`);
    const input = { place: null, photo: null, form: null }[field] === undefined ? this.el(field) : null;
    if (msg) {
      msg.hidden = !words;
      msg.textContent = words ? this.i18n.t(words) : "";
      msg.dataset.words = words ? JSON.stringify(words) : "";
    }
    if (input) input.setAttribute("aria-invalid", words ? "true" : "false");
  }

  clearMessages() {
    for (const m of document.querySelectorAll("#form .msg")) { m.hidden = true; m.textContent = ""; }
    for (const i of document.querySelectorAll("#form [aria-invalid]")) i.setAttribute("aria-invalid", "false");
  }

  // -- photos ---------------------------------------------------------------------------------
  async addPhotos(files) {
    this.say("photo", null);
    for (const file of files) {
      if (this.photos.length >= MAX_PHOTOS) { this.say("photo", PHOTO.tooMany); break; }
      try {
        this.photos.push(await prepare(file));
      } catch (problem) {
        this.say("photo", problem.text);
        this.el("photo-msg").dataset.code = problem.code;
      }
      this.renderPhotos();
    }
  }

  renderPhotos() {
    const remove = { vi: "Xóa ảnh", en: "Remove photo" };
    this.el("photos").replaceChildren(...this.photos.map((p, i) => h("li", { dataset: { key: p.key } },
      h("img", { src: p.url, alt: `${i + 1}` }),
      h("span", { class: "size", text: `${Math.round(p.bytes / 1024)} KB${p.media ? " ✓" : ""}` }),
      h("button", { type: "button", class: "btn remove", "aria-label": this.i18n.t(remove), title: this.i18n.t(remove), text: "✕",
                    on: { click: () => this.removePhoto(p.key) } }))));
  }

  removePhoto(key) {
    const p = this.photos.find((x) => x.key === key);
    if (p) URL.revokeObjectURL(p.url);
    this.photos = this.photos.filter((x) => x.key !== key);
    this.say("photo", null);
    this.renderPhotos();
  }

  // -- place ----------------------------------------------------------------------------------
  async locate() {
    this.say("place", null);
    this.el("where").textContent = this.i18n.t(PLACE.locating);
    try {
      const point = await this.place.locate();
      if (!this.el("map").hidden) {
        this.place.centre(point, 30);
        this.place.apply();
      }
    } catch (err) {
      this.el("where").textContent = "";
      this.say("place", PLACE[err.code] || PLACE.gpsFailed);
    }
  }

  async showMap() {
    this.say("place", null);
    if (!(await this.place.show(this.i18n))) this.say("place", PLACE.mapFailed);
    else this.place.svg.focus();
  }

  placed(relabelOnly = false) {
    const p = this.place.point;
    this.el("where").textContent = p ? W.located(p, p.commune, this.i18n) : "";
    this.el("where").dataset.commune = p && p.commune ? p.commune.code : "";
    if (relabelOnly) return;
    this.say("place", p && p.commune === null ? PLACE.outside : null);
  }

  // -- filing ---------------------------------------------------------------------------------
  problems() {
    const found = this.form.check({ photos: this.photos, point: this.place.point });
    if (this.place.point && this.place.point.commune === null) found.push(["place", PLACE.outside]);
    return found;
  }

  async submit() {
    if (this.sending) return;
    this.clearMessages();
    const problems = this.problems();
    if (problems.length) {
      for (const [field, words] of problems) this.say(field, words);
      this.say("form", W.check);
      const first = problems[0][0];
      const target = first === "place" ? this.el("gps") : this.el(first) || this.el("attributes").querySelector(`[name="${first}"]`);
      if (target) target.focus();
      return;
    }
    this.sending = true;
    this.el("submit").disabled = true;
    try {
      const media = await this.uploadPhotos();
      if (media) await this.file(media);
    } finally {
      this.sending = false;
      this.el("submit").disabled = false;
    }
  }

  progress(done, total, words) {
    this.el("progress").hidden = total === 0;
    this.el("progress-bar").style.width = `${Math.round((100 * done) / Math.max(total, 1))}%`;
    this.el("progress-text").textContent = words ? this.i18n.t(words) : "";
  }

  // Upload the photos not yet uploaded; resolves with their URLs, or null when one was refused.
  async uploadPhotos() {
    const kind = this.form.kind;
    const photos = kind === "report" ? this.photos : [];
    const total = photos.length + 1;
    for (const [i, p] of photos.entries()) {
      if (p.media) continue;
      this.progress(i, total, W.photo(i + 1, photos.length));
      try {
        p.media = await upload(p, { connection: this.connection, onWait: () => this.progress(i, total, W.waiting) });
      } catch (refused) {
        this.progress(0, 0, null);
        this.say("photo", refused.text);
        this.el("photo-msg").dataset.code = String(refused.status);
        this.el("photos").querySelector(`[data-key="${p.key}"]`)?.classList.add("bad");
        this.el("photo-msg").scrollIntoView({ block: "center" });
        return null;
      }
      this.renderPhotos();
    }
    this.progress(photos.length, total, W.filing);
    return photos.map((p) => p.media.url);
  }

  async file(media) {
    const kind = this.form.kind;
    const body = this.form.body(this.place.point, media);
    const offline = () => {
      if (this.outbox.entries.some((e) => e.state === "queued" && e.attempts > 0)) this.progress(0.5, 1, W.waiting);
    };
    this.outbox.addEventListener("change", offline);
    let answer;
    try {
      answer = await this.outbox.enqueue({ path: `/api/v1/${kind}s`, body, label: kind });
    } catch (err) {
      this.progress(0, 0, null);
      this.refused(err);
      return;
    } finally {
      this.outbox.removeEventListener("change", offline);
    }
    this.progress(0, 0, null);
    this.filed(answer, kind);
  }

  refused(err) {
    const lat = (err.details || []).some((d) => /^(lat|lon)/.test(String(d.field || d.loc || "")) && /outside/.test(String(d.message || d.msg || "")));
    if (lat || /outside the service region/.test(err.message)) this.say("place", PLACE.outside);
    else if (err.status === 422 && /category/.test(err.message)) this.say("category", FORM.noCategory);
    this.say("form", { vi: W.refused.vi + err.message, en: W.refused.en + err.message });
    for (const entry of this.outbox.failed) this.outbox.dismiss(entry.key);
  }

  // A filing that went out after a reload of this page: keep it and show its number.
  sentLater({ entry, body }) {
    if (this.sending || !body || !body.case) return;
    this.filed(body, entry.label === "question" ? "question" : "report");
  }

  filed(answer, kind) {
    const ev = answer.case;
    this.mine.remember({ id: ev.id, t: answer.citizen_token, kind, category: ev.category, at: ev.observed_at || new Date().toISOString() });
    this.lastFiled = { id: ev.id, t: answer.citizen_token };
    this.el("done-id").textContent = ev.id;
    this.el("done-notice").textContent = answer.notice ? this.i18n.t(answer.notice) : "";
    this.el("done-link").value = privateLink(ev.id, answer.citizen_token);
    this.el("done-follow").href = `#case=${encodeURIComponent(ev.id)}`;
    for (const p of this.photos) URL.revokeObjectURL(p.url);
    this.photos = [];
    this.renderPhotos();
    this.form.reset();
    this.place.clear();
    this.renderMine();
    history.replaceState(null, "", "#done");
    for (const v of ["form", "mine", "follow"]) this.el(v).hidden = true;
    this.el("done").hidden = false;
    this.el("done-id").scrollIntoView({ block: "center" });
  }

  async copyLink() {
    const input = this.el("done-link");
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
    }
    this.el("copy").textContent = this.i18n.t(W.copied);
  }
}

const page = new ReportPage();
window.iocReport = page;
page.start();
