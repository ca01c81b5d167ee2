// Personal access tokens: make one (its value is shown once), see them, revoke them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, call, type Schemas } from "@/api/client";
import { ApiError } from "@/api/problem";
import { useMe } from "@/api/queries";
import { ErrorNotice, Field, formatDate, Loading } from "@/components/ui";

const tokensKey = ["me", "tokens"] as const;

export function TokensPage() {
  const me = useMe();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [created, setCreated] = useState<Schemas["TokenCreated"] | null>(null);
  const list = useQuery({
    queryKey: tokensKey,
    enabled: !!me.data,
    queryFn: () => call(api.GET("/api/v1/users/me/tokens", { params: { query: { limit: 200 } } })),
  });
  const create = useMutation({
    mutationFn: () =>
      call(api.POST("/api/v1/users/me/tokens", { body: { name: name.trim(), expires_in_days: days ? Number(days) : null } })),
    onSuccess: (t) => {
      setCreated(t);
      setName("");
      setDays("");
      void qc.invalidateQueries({ queryKey: tokensKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/users/me/tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: tokensKey }),
  });
  if (!me.data) return <p><Link href="/login">Log in</Link> to manage your tokens.</p>;
  const errors = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  return (
    <section className="narrow">
      <h1>Access tokens</h1>
      <p className="muted">A token lets the <code>holdout</code> command line and scripts act as you (<code>Authorization: Bearer …</code>).</p>
      <form aria-label="Create a token" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
        <Field label="Token name" name="token-name" error={errors["name"]} hint="Where you will use it, e.g. 'laptop'.">
          {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field label="Expires after (days)" name="token-days" error={errors["expires_in_days"]} hint="Empty: never.">
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} />}
        </Field>
        {Object.keys(errors).length === 0 && <ErrorNotice error={create.error} />}
        <button type="submit" disabled={create.isPending}>Create token</button>
      </form>
      {created && (
        <div className="card" role="status">
          <p><strong>Copy your new token now</strong>: it is not shown again.</p>
          <p><code data-testid="new-token">{created.token}</code></p>
        </div>
      )}
      <h2>Your tokens</h2>
      {list.isPending && <Loading what="your tokens" />}
      <ErrorNotice error={list.error ?? revoke.error} />
      {list.data && list.data.items.length === 0 && <p>None.</p>}
      {list.data && list.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.items.map((t) => (
                <tr key={t.id} data-testid="token-row">
                  <td>{t.name}</td>
                  <td><code>{t.prefix}…</code></td>
                  <td>{formatDate(t.created_at)}</td>
                  <td>{t.expires_at ? formatDate(t.expires_at) : "never"}</td>
                  <td>{t.last_used_at ? formatDate(t.last_used_at) : "never"}</td>
                  <td><button type="button" className="danger small" onClick={() => revoke.mutate(t.id)} aria-label={`Revoke ${t.name}`}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
