// Log in with a personal access token (kept in this browser).
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "wouter";
import { storeToken } from "@/api/auth";
import { api, call } from "@/api/client";
import { ErrorNotice, Field } from "@/components/ui";
import { keys } from "@/api/queries";

export function LoginPage() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [, navigate] = useLocation();
  const qc = useQueryClient();

  async function useToken(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    storeToken(token.trim());
    try {
      const me = await call(api.GET("/api/v1/users/me"));
      qc.setQueryData(keys.me, me);
      navigate("/");
    } catch (err) {
      storeToken(null);
      setError(err);
    }
  }

  return (
    <section className="narrow">
      <h1>Log in</h1>
      <form onSubmit={useToken} aria-label="Log in with an access token">
        <Field label="Access token" name="token" hint="A token starting with hdt_, from `holdout admin create-user` or your tokens page.">
          {(id, d) => (
            <input id={id} aria-describedby={d} value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" required />
          )}
        </Field>
        <ErrorNotice error={error} />
        <button type="submit">Log in with token</button>
      </form>
    </section>
  );
}
