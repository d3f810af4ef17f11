// How a page proves who it is. Three ways, tried in this order:
// - a token given once in the address (#token=…), kept in sessionStorage (this tab only);
// - a kiosk credential (#kiosk=…, a wall's), kept in localStorage "ioc-kiosk" so that the wall
//   comes back by itself after a reboot or a power cut;
// - neither: null, and the page goes with the person's session cookie (signed in at /login).
// Whatever the address carried is removed from the address bar at once, so it is not shown,
// bookmarked or sent as a referrer (a fragment is never sent to the server anyway).
const KEY = "ioc-token";
const KIOSK_KEY = "ioc-kiosk";

export function takeToken() {
  const m = /(?:^|[#&])(token|kiosk)=([^&]+)/.exec(location.hash);
  if (m) {
    const store = m[1] === "kiosk" ? localStorage : sessionStorage;
    store.setItem(m[1] === "kiosk" ? KIOSK_KEY : KEY, decodeURIComponent(m[2]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY) || localStorage.getItem(KIOSK_KEY) || null;
}

// Forget every credential this browser holds (a revoked token, a revoked kiosk).
export function forgetToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KIOSK_KEY);
}
