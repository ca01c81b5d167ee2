// One submission with its log tail (as plain text: a log line with HTML stays text).
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, call } from "@/api/client";
import { ErrorNotice, formatDate, formatScore, Loading } from "@/components/ui";
import { QueueLine, reasonText, ResourcesLine, StatusBadge, TERMINAL } from "./shared";

export function SubmissionDetail({ slug, id }: { slug: string; id: string }) {
  const params = { params: { path: { submission_id: id } } };
  const sub = useQuery({
    queryKey: ["submission", id],
    queryFn: () => call(api.GET("/api/v1/submissions/{submission_id}", params)),
    refetchInterval: (q) => (q.state.data && TERMINAL.has(q.state.data.status) ? false : 1000),
  });
  const done = !!sub.data && TERMINAL.has(sub.data.status);
  const log = useQuery({
    queryKey: ["submission", id, "log", done],
    enabled: !!sub.data && sub.data.status !== "queued",
    retry: false,
    // an empty log comes back as no body at all
    queryFn: async () => (await call(api.GET("/api/v1/submissions/{submission_id}/log", { ...params, parseAs: "text" }))) ?? "",
  });
  if (sub.isPending) return <Loading what="the submission" />;
  if (sub.error) return <ErrorNotice error={sub.error} />;
  const s = sub.data;
  return (
    <section>
      <p><Link href={`/c/${slug}/submissions`}>← All submissions</Link></p>
      <h2>Submission of {formatDate(s.created_at)}</h2>
      <dl>
        <dt>Status</dt>
        <dd><StatusBadge s={s} /></dd>
        <dt>Public score</dt>
        <dd>{formatScore(s.public_score)}</dd>
        {s.failure_reason && (
          <>
            <dt>Why it failed</dt>
            <dd className="error" data-testid="reason">{reasonText(s.failure_reason)}</dd>
          </>
        )}
        {s.detail && (
          <>
            <dt>Detail</dt>
            <dd className="detail">{s.detail}</dd>
          </>
        )}
        {s.exit_code !== null && (
          <>
            <dt>Exit code</dt>
            <dd>{s.exit_code}</dd>
          </>
        )}
        <dt>Resources used</dt>
        <dd><ResourcesLine s={s} /></dd>
        <dt>Zip</dt>
        <dd>{s.size_bytes.toLocaleString()} bytes, sha256 <code className="hash">{s.sha256.slice(0, 16)}…</code></dd>
      </dl>
      <h3>Log (the last lines)</h3>
      {log.isPending && s.status !== "queued" && <Loading what="the log" />}
      {s.status === "queued" && (
        <p className="muted">The run has not started yet. <QueueLine s={s} /></p>
      )}
      <ErrorNotice error={log.error} />
      {typeof log.data === "string" && <pre className="log" data-testid="log">{log.data || "(empty)"}</pre>}
    </section>
  );
}
