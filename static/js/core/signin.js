// What the sign-in pages share: where to go after signing in (a same-site `next`, else the
// person's home page), the EN/VI button of a page without the full header, and one message box
// whose words follow the language.

const BLOCKED = new Set(["/login", "/password"]);

// `raw` when it is a path of this site ("/wall?cycle=0"), else null: one leading "/", never
// "//host", no backslash, no control character, not the sign-in pages themselves.
export function safeNext(raw) {
  // eslint-disable-next-line no-control-regex
  if (typeof raw !== "string" || !/^\/(?![/\\])/.test(raw) || /[\u0000-\u001f\u007f\\]/.test(raw)) return null;
  const url = new URL(raw, location.origin);
  if (url.origin !== location.origin || BLOCKED.has(url.pathname)) return null;
  return url.pathname + url.search + url.hash;
}

// The page a person lands on: the `home` of their role, as the server says it (the sign-in
// answer and GET /auth/me both carry it), else the wall.
export function homeOf(answer) {
  return (answer && typeof answer.home === "string" && safeNext(answer.home)) || "/wall";
}

// The EN/VI button (`button`) of a page with only data-vi/data-en labels.
export function mountLang(i18n, button) {
  const label = () => { button.textContent = i18n.lang === "vi" ? "EN" : "VI"; };
  button.addEventListener("click", () => i18n.toggle());
  i18n.addEventListener("change", label);
  i18n.apply(document);
  label();
}

// A message box (`el`): show(code, {vi, en}, ok) keeps the words in the chosen language;
// show(null) hides it. data-code names what is shown (for the tests and the curious).
export function messageBox(el, i18n) {
  let current = null;
  const render = () => {
    el.hidden = !current;
    el.dataset.code = current ? current.code : "";
    el.classList.toggle("ok", Boolean(current && current.ok));
    el.textContent = current ? i18n.t(current.text) : "";
  };
  i18n.addEventListener("change", render);
  return {
    show(code, text = null, ok = false) { current = code ? { code, text, ok } : null; render(); },
    get code() { return current ? current.code : null; },
  };
}

// The server's own words ("Vietnamese / English" in one text) as {vi, en}.
export function serverWords(message) {
  const [vi, en] = String(message).split(" / ");
  return { vi, en: en || vi };
}

// The words for a failed request any of these pages makes (the server cannot be reached, it is
// failing, too many tries): {code, text} or null when the caller must say it itself.
export function commonError(err) {
  if (err.status === 0) {
    return { code: "unreachable", text: {
      vi: "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.",
      en: "The server cannot be reached. Check the network and try again." } };
  }
  if (err.status === 429) {
    const s = err.retryAfter || 60;
    const wait = s >= 90 ? { vi: `${Math.ceil(s / 60)} phút`, en: `${Math.ceil(s / 60)} min` } : { vi: `${s} giây`, en: `${s} s` };
    return { code: "wait", text: {
      vi: `Thử quá nhiều lần. Hãy đợi ${wait.vi} rồi thử lại.`,
      en: `Too many tries. Wait ${wait.en}, then try again.` } };
  }
  if (err.status >= 500) {
    return { code: "server", text: {
      vi: "Máy chủ đang gặp sự cố. Thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.",
      en: "The server has a problem. Try again in a few minutes; if it goes on, tell the administrator." } };
  }
  return null;
}
