// The access token: given once in the address (#token=…), then kept in sessionStorage (this tab
// only) and removed from the address bar so it is not shown, bookmarked or sent as a referrer.
const KEY = "ioc-token";

export function takeToken() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}
