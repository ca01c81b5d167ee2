// Log in with a username (or e-mail) and password, which starts a session cookie;
// or paste a personal access token, kept in this browser.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { storeToken } from "@/api/auth";
import { api, call } from "@/api/client";
import { ApiError } from "@/api/problem";
import { switchUser } from "@/api/queries";
import { ErrorNotice, Field } from "@/components/ui";

export function LoginPage() {
  const [who, setWho] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [tokenError, setTokenError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const qc = useQueryClient();

  async function logIn(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      storeToken(null);
      const me = await call(api.POST("/api/v1/auth/login", { body: { username_or_email: who.trim(), password } }));
      switchUser(qc, me);
      navigate("/");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function useToken(e: React.FormEvent) {
    e.preventDefault();
    setTokenError(null);
    storeToken(token.trim());
    try {
      const me = await call(api.GET("/api/v1/users/me"));
      switchUser(qc, me);
      navigate("/");
    } catch (err) {
      storeToken(null);
      setTokenError(err);
    }
  }

  const retry = error instanceof ApiError && error.status === 429 ? error.problem["retry_after"] : null;
  return (
    <section className="narrow">
      <h1>Log in</h1>
      <form onSubmit={logIn} aria-label="Log in">
        <Field label="Username or e-mail" name="login-who">
          {(id, d) => <input id={id} aria-describedby={d} value={who} onChange={(e) => setWho(e.target.value)} autoComplete="username" required />}
        </Field>
        <Field label="Password" name="login-password">
          {(id, d) => (
            <input id={id} aria-describedby={d} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          )}
        </Field>
        <ErrorNotice error={error} />
        {typeof retry === "number" && <p className="muted">You can try again in {retry} s.</p>}
        <button type="submit" disabled={busy}>Log in</button>
      </form>
      <p>No account yet? <Link href="/signup">Sign up</Link>.</p>
      <details>
        <summary>Use an access token instead</summary>
        <form onSubmit={useToken} aria-label="Log in with an access token">
          <Field label="Access token" name="token" hint="A token starting with hdt_, from your tokens page or `holdout admin create-user`.">
            {(id, d) => <input id={id} aria-describedby={d} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" required />}
          </Field>
          <ErrorNotice error={tokenError} />
          <button type="submit" className="secondary">Log in with token</button>
        </form>
      </details>
    </section>
  );
}
