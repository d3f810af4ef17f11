// What every page does first, and the banner of queued actions:
//
// authenticate(page): who the page works for: the token it holds (#token=, #kiosk=), else the
//   person signed in by the session cookie (GET /auth/me: name, role, the CSRF token); with
//   neither, the browser goes to /login?next=<this page> and the promise gives null.
// mountHeader(page): the header every page but the wall mounts first: the labels in the chosen
//   language (data-vi/data-en), the connection indicator, the EN/VI button and, for a person
//   signed in, their name and a "Đăng xuất / Sign out" button. Resolves true when the page may
//   go on. `page` has {token, i18n, connection, api}.
// sessionEnded(i18n): the full-screen message when the server ends the page's access (signed
//   out, disabled, token revoked), then the sign-in page.
// showQueued(el, outbox, i18n, labels): the banner that says which actions wait for the link.
import { mountIndicator } from "./connection.js";
import { h, showError } from "./dom.js";
import { forgetToken } from "./token.js";

const ENDED_MS = 3000;
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];
const SIGN_OUT = { vi: "Đăng xuất", en: "Sign out" };

// The sign-in page's address that comes back here (or to `next`) once signed in.
export function loginUrl(next = location.pathname + location.search) {
  return "/login?next=" + encodeURIComponent(next);
}

export async function authenticate(page) {
  page.api.onSignedOut = () => sessionEnded(page.i18n);
  if (page.token) return { via: "token", user: null };
  const me = await whoAmI(page.api);
  if (!me || !me.signed_in) {
    location.replace(loginUrl());
    return null;
  }
  page.api.csrf = me.csrf;
  page.me = me;
  return me;
}

// GET /auth/me; while the server cannot answer (no link, 5xx: its database away) say so and
// ask again (1 s … 30 s) rather than send a signed-in wall to the sign-in page. Null on a
// refusal.
async function whoAmI(api) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const me = await api.get("/auth/me");
      if (attempt) showError("");
      return me;
    } catch (err) {
      if (err.status !== 0 && err.status < 500) return null;
      showError("Chưa kết nối được máy chủ, đang thử lại… / Cannot reach the server, retrying…");
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
    }
  }
}

export async function mountHeader(page, { conn = "conn", lang = "lang", onLang = () => {} } = {}) {
  page.i18n.apply(document);
  mountIndicator(document.getElementById(conn), page.connection, page.i18n);
  const button = document.getElementById(lang);
  const label = () => { button.textContent = page.i18n.lang === "vi" ? "EN" : "VI"; };
  button.title = "Tiếng Việt / English";
  button.addEventListener("click", () => page.i18n.toggle());
  page.i18n.addEventListener("change", () => { label(); onLang(); });
  label();
  const me = await authenticate(page);
  if (me && me.via === "session") mountPerson(button, page, me.user);
  return Boolean(me);
}

// The person's name and the sign-out button, before the EN/VI button.
function mountPerson(before, page, user) {
  const out = h("button", { type: "button", id: "signout", class: "btn", on: { click: () => signOut(page) } });
  const who = h("span", { id: "who", class: "who", text: user.name || user.username, title: user.username });
  const label = () => { out.textContent = page.i18n.t(SIGN_OUT); };
  page.i18n.addEventListener("change", label);
  label();
  before.before(who, out);
}

export async function signOut(page) {
  try {
    await page.api.post("/auth/logout");
  } catch (err) {
    if (err.status !== 401) {
      showError(page.i18n.t({ vi: "Chưa đăng xuất được: ", en: "Could not sign out: " }) + err.message);
      return;
    }
  }
  location.replace("/login");
}

// Cover the page with what happened and go to the sign-in page (once).
export function sessionEnded(i18n) {
  if (document.getElementById("ended")) return;
  forgetToken();
  const text = {
    vi: "Phiên làm việc đã kết thúc (đã đăng xuất, tài khoản bị khóa hoặc mã truy cập bị thu hồi). Đang chuyển sang trang đăng nhập…",
    en: "This session has ended (signed out, account disabled or access revoked). Going to the sign-in page…",
  };
  document.body.append(h("div", { id: "ended", class: "ended", role: "alert" }, h("p", { text: i18n.t(text) })));
  setTimeout(() => location.replace(loginUrl()), ENDED_MS);
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
