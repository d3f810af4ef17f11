// Setting a password from a one-time link (/password#code=CODE, made by the admin page or
// `ioc users add`): the code is read from the fragment (never sent in an address), removed from
// the address bar at once and kept in this tab only (a reload still works); the new password is
// asked twice, sent with the code (POST /auth/password), and the browser goes to /login.
// window.iocPassword is the page object (for the browser tests).
import { Api } from "../core/api.js";
import { I18n } from "../core/i18n.js";
import { commonError, messageBox, mountLang } from "../core/signin.js";

const KEY = "ioc-password-code";
const MIN_LENGTH = 10;
const DONE_MS = 2500;
const WORDS = {
  nocode: { vi: "Liên kết không đầy đủ. Hãy mở đúng liên kết quản trị viên gửi (có phần #code=…).",
            en: "The link is incomplete. Open the exact link the administrator sent (with #code=…)." },
  short: { vi: `Mật khẩu cần ít nhất ${MIN_LENGTH} ký tự, không phải một chữ lặp lại.`,
           en: `The password needs at least ${MIN_LENGTH} characters, not one letter repeated.` },
  mismatch: { vi: "Hai mật khẩu không giống nhau. Nhập lại.", en: "The two passwords differ. Type them again." },
  expired: { vi: "Liên kết đã hết hạn hoặc đã được dùng. Hãy xin quản trị viên một liên kết mới.",
             en: "This link has expired or was already used. Ask the administrator for a new one." },
  other: { vi: "Chưa đặt được mật khẩu: ", en: "The password was not set: " },
};

// The code of the address (#code=…), kept in sessionStorage and removed from the address bar.
function takeCode() {
  const m = /(?:^|[#&])code=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(KEY);
}

class PasswordPage {
  constructor() {
    this.i18n = new I18n();
    this.api = new Api();
    this.el = (id) => document.getElementById(id);
    this.message = messageBox(this.el("message"), this.i18n);
    this.code = takeCode();
    this.done = false;
  }

  start() {
    mountLang(this.i18n, this.el("lang"));
    this.el("password-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    if (!this.code) {
      this.message.show("nocode", WORDS.nocode);
      this.el("submit").disabled = true;
    }
  }

  check(password, again) {
    if (password.length < MIN_LENGTH || new Set(password).size < 3) return ["short", WORDS.short];
    if (password !== again) return ["mismatch", WORDS.mismatch];
    return null;
  }

  async submit() {
    const password = this.el("password").value;
    const wrong = this.check(password, this.el("password2").value);
    if (wrong) {
      this.message.show(...wrong);
      return;
    }
    this.el("submit").disabled = true;
    try {
      const answer = await this.api.post("/auth/password", { code: this.code, password });
      this.finish(answer.username);
    } catch (err) {
      this.fail(err);
    }
  }

  finish(username) {
    sessionStorage.removeItem(KEY);
    sessionStorage.setItem("ioc-login-username", username);  // the sign-in page fills it in
    this.done = true;
    this.message.show("done", { vi: `Đã lưu mật khẩu cho ${username}. Đang chuyển sang trang đăng nhập…`,
                                en: `Password saved for ${username}. Going to the sign-in page…` }, true);
    setTimeout(() => location.replace("/login"), DONE_MS);
  }

  fail(err) {
    const common = commonError(err);
    if (common) {
      this.message.show(common.code, common.text);
      this.el("submit").disabled = false;
    } else if (err.status === 400) {
      sessionStorage.removeItem(KEY);
      this.message.show("expired", WORDS.expired);
    } else if (err.status === 422) {
      this.message.show("weak", WORDS.short);
      this.el("submit").disabled = false;
    } else {
      this.message.show("other", { vi: WORDS.other.vi + err.message, en: WORDS.other.en + err.message });
      this.el("submit").disabled = false;
    }
  }
}

const page = new PasswordPage();
window.iocPassword = page;
page.start();
