// The files a participant may download, and the rules to accept first.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { Link } from "wouter";
import { storedToken } from "@/api/auth";
import { api, call, pathOf, type Schemas } from "@/api/client";
import { keys, useMe } from "@/api/queries";
import { ErrorNotice, formatBytes, formatDate, Loading } from "@/components/ui";

const Markdown = lazy(() => import("./Markdown"));
type Competition = Schemas["CompetitionRead"];

export function Rules({ c }: { c: Competition }) {
  const me = useMe();
  const qc = useQueryClient();
  const accept = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/rules/acceptance", { params: { path: { competition: c.slug } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.competition(c.slug) }),
  });
  return (
    <section aria-labelledby="rules">
      <h2 id="rules">Rules (version {c.rules_version})</h2>
      {c.rules ? (
        <Suspense fallback={<Loading what="the rules" />}>
          <Markdown text={c.rules} />
        </Suspense>
      ) : (
        <p className="muted">No rules beyond the platform's.</p>
      )}
      {!me.data && <p><Link href="/login">Log in</Link> to accept the rules and take part.</p>}
      {me.data && c.rules_accepted && <p className="ok-text" data-testid="rules-accepted">You accepted these rules.</p>}
      {me.data && c.rules_accepted === false && (
        <p>
          <button type="button" onClick={() => accept.mutate()} disabled={accept.isPending}>Accept the rules</button>{" "}
          <span className="muted">Needed before you join a team, download files or submit.</span>
        </p>
      )}
      <ErrorNotice error={accept.error} />
    </section>
  );
}

/** A session cookie rides along on a plain link; a pasted token needs the file fetched. */
function DownloadLink(props: { href: string; filename: string; label: string; blob: () => Promise<unknown> }) {
  const { href, filename, label } = props;
  const [error, setError] = useState<unknown>(null);
  if (!storedToken()) return <a href={href} download={filename}>{label}</a>;
  async function save(e: React.MouseEvent) {
    e.preventDefault();
    setError(null);
    try {
      const a = document.createElement("a");
      a.href = URL.createObjectURL((await props.blob()) as Blob);
      a.download = filename;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <>
      <a href={href} onClick={save}>{label}</a>
      <ErrorNotice error={error} />
    </>
  );
}

export function Downloads({ c }: { c: Competition }) {
  const me = useMe();
  const files = c.participant_files;
  const locked = !me.data || c.rules_accepted === false;
  return (
    <section aria-labelledby="downloads">
      <h2 id="downloads">Downloads</h2>
      {locked && <p className="muted">Log in and accept the rules to download.</p>}
      {files.length === 0 && !c.smoke_sample_available && <p className="muted">The host has not attached any files yet.</p>}
      <ul className="files">
        {files.map((f) => (
          <li key={f.filename}>
            {locked ? <code>{f.filename}</code> : (
              <DownloadLink href={pathOf("/api/v1/competitions/{competition}/files/{filename}", { competition: c.slug, filename: f.filename })}
                filename={f.filename} label={f.filename}
                blob={() => call(api.GET("/api/v1/competitions/{competition}/files/{filename}", { params: { path: { competition: c.slug, filename: f.filename } }, parseAs: "blob" }))} />
            )}{" "}
            <span className="muted">{f.kind}, {formatBytes(f.size_bytes)}, {formatDate(f.uploaded_at)}</span>
          </li>
        ))}
        {c.smoke_sample_available && (
          <li>
            {locked ? <code>{c.slug}-smoke.zip</code> : (
              <DownloadLink href={pathOf("/api/v1/competitions/{competition}/smoke-sample", { competition: c.slug })}
                filename={`${c.slug}-smoke.zip`} label={`${c.slug}-smoke.zip`}
                blob={() => call(api.GET("/api/v1/competitions/{competition}/smoke-sample", { params: { path: { competition: c.slug } }, parseAs: "blob" }))} />
            )}{" "}
            <span className="muted">the smoke sample: try a solution locally with <code>holdout test-submission ZIP --competition {c.slug}-smoke.zip</code></span>
          </li>
        )}
      </ul>
    </section>
  );
}
