// The sign-in page (/login): username and password (POST /auth/login), or the province's
// single sign-on when the server has it (GET /auth/me says oidc.enabled). Once signed in the
// browser goes to ?next= (a path of this site only) or to the person's home page; a person
// already signed in goes there at once. ?error=oidc says the single sign-on failed.
// window.iocLogin is the page object (for the browser tests).
import { Api } from "../core/api.js";
import { I18n } from "../core/i18n.js";
import { commonError, homeOf, messageBox, mountLang, safeNext, serverWords } from "../core/signin.js";

const WORDS = {
  wrong: { vi: "Sai tên đăng nhập hoặc mật khẩu. Kiểm tra lại (chữ hoa, bộ gõ tiếng Việt) rồi thử lại.",
           en: "Wrong username or password. Check them (capitals, Vietnamese keyboard) and try again." },
  missing: { vi: "Hãy nhập tên đăng nhập và mật khẩu.", en: "Enter your username and password." },
  oidc: { vi: "Đăng nhập bằng tài khoản tỉnh không thành công. Thử lại, hoặc dùng tên đăng nhập và mật khẩu.",
          en: "Signing in with the province account failed. Try again, or use your username and password." },
  // Why the province's sign-on failed (?error=oidc&reason=…).
  denied: { vi: "Đăng nhập bằng tài khoản tỉnh đã bị từ chối hoặc hủy. Thử lại nếu đó là nhầm lẫn.",
            en: "Signing in with the province account was refused or cancelled. Try again if that was a mistake." },
  expired: { vi: "Lượt đăng nhập bằng tài khoản tỉnh đã hết hạn. Bấm nút SSO để thử lại.",
             en: "The province sign-in took too long or was already used. Press the SSO button to try again." },
  role: { vi: "Đăng nhập bằng tài khoản tỉnh được, nhưng tài khoản này chưa được cấp vai trò trong IOC. Liên hệ quản trị viên để được phân quyền.",
          en: "Your province account signed in, but it has no IOC role yet. Ask the administrator to grant one." },
  disabled: { vi: "Tài khoản đã bị khoá. Liên hệ quản trị viên.", en: "This account is disabled. Ask the administrator." },
  unavailable: { vi: "Không kết nối được hệ thống đăng nhập của tỉnh. Thử lại sau ít phút, hoặc dùng tên đăng nhập và mật khẩu.",
                 en: "The province's sign-in service cannot be reached. Try again in a few minutes, or use your username and password." },
  other: { vi: "Không đăng nhập được: ", en: "Could not sign in: " },
};
const SSO = { vi: "Đăng nhập bằng tài khoản tỉnh (SSO)", en: "Sign in with the province account (SSO)" };

class Login {
  constructor() {
    this.i18n = new I18n();
    this.api = new Api();
    this.el = (id) => document.getElementById(id);
    this.message = messageBox(this.el("message"), this.i18n);
    this.next = safeNext(new URLSearchParams(location.search).get("next"));
    this.ready = false;
  }

  async start() {
    mountLang(this.i18n, this.el("lang"));
    const query = new URLSearchParams(location.search);
    if (query.get("error") === "oidc") {
      const reason = query.get("reason");
      const known = ["denied", "expired", "role", "disabled", "unavailable"].includes(reason);
      this.message.show(known ? "oidc-" + reason : "oidc", known ? WORDS[reason] : WORDS.oidc);
    }
    this.el("login-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    const known = sessionStorage.getItem("ioc-login-username");  // a password just set
    if (known) {
      sessionStorage.removeItem("ioc-login-username");
      this.el("username").value = known;
      this.el("password").focus();
    }
    let me = null;
    try {
      me = await this.api.get("/auth/me");
    } catch (err) {
      this.fail(err);
    }
    if (me && me.signed_in && me.via === "session") {
      location.replace(this.next || homeOf(me));
      return;
    }
    if (me && me.oidc && me.oidc.enabled) this.showSso(me.oidc.label);
    this.ready = true;
  }

  showSso(label) {
    const link = this.el("sso-link");
    link.href = "/auth/oidc/start" + (this.next ? "?next=" + encodeURIComponent(this.next) : "");
    const render = () => { link.textContent = this.i18n.t(label && label.vi ? label : SSO); };
    this.i18n.addEventListener("change", render);
    render();
    this.el("sso").hidden = false;
  }

  async submit() {
    const username = this.el("username").value.trim();
    const password = this.el("password").value;
    if (!username || !password) {
      this.message.show("missing", WORDS.missing);
      this.el(username ? "password" : "username").focus();
      return;
    }
    this.el("submit").disabled = true;
    try {
      const answer = await this.api.post("/auth/login", { username, password });
      this.message.show(null);
      location.replace(this.next || homeOf(answer));
    } catch (err) {
      this.fail(err);
      this.el("password").value = "";
      this.el("password").focus();
      this.el("submit").disabled = false;
    }
  }

  fail(err) {
    const common = commonError(err);
    if (common) this.message.show(common.code, common.text);
    else if (err.status === 401 && /^Sai tên đăng nhập/.test(err.message)) this.message.show("wrong", WORDS.wrong);
    else if (err.status === 401) this.message.show("refused", serverWords(err.message));  // e.g. disabled
    else if (err.status === 422) this.message.show("missing", WORDS.missing);
    else this.message.show("other", { vi: WORDS.other.vi + err.message, en: WORDS.other.en + err.message });
  }
}

const page = new Login();
window.iocLogin = page;
page.start();
