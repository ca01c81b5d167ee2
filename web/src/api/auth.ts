// How the web app proves who it is: the session cookie the accounts API sets (plus
// its CSRF token on every state-changing request), or a personal access token the
// user pasted (kept in this browser's local storage).

const TOKEN_KEY = "holdout.token";
export const CSRF_COOKIE = "holdout_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export function csrfToken(): string | null {
  const match = document.cookie.split("; ").find((c) => c.startsWith(CSRF_COOKIE + "="));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : null;
}

/** Whether asking who we are can succeed (saves a 401 round trip for visitors). */
export function mayBeSignedIn(): boolean {
  return storedToken() !== null || csrfToken() !== null;
}

/** Headers every API request carries. */
export function authHeaders(method: string): Record<string, string> {
  const token = storedToken();
  if (token) return { Authorization: `Bearer ${token}` };
  const csrf = csrfToken();
  if (csrf && !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())) return { [CSRF_HEADER]: csrf };
  return {};
}
