// Submit: drop a zip, watch it upload, then watch its status change until it ends.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, call, pathOf } from "@/api/client";
import type { Schemas } from "@/api/client";
import { ApiError } from "@/api/problem";
import { keys, useCompetition, useMe, useMyTeam } from "@/api/queries";
import { currentStage, feedText, nextStage } from "@/api/stages";
import { uploadWithProgress, type Progress } from "@/api/upload";
import { DropZone } from "@/components/DropZone";
import { ErrorNotice, formatDate, formatScore, Loading, ProgressBar, RelativeTime } from "@/components/ui";
import { reasonText, ResourcesLine, StatusBadge, TERMINAL, type Submission } from "./shared";

export function SubmitPage({ slug }: { slug: string }) {
  const me = useMe();
  const comp = useCompetition(slug);
  const team = useMyTeam(slug, !!me.data);
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [smoke, setSmoke] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  const quota = useQuery({
    queryKey: keys.quota(slug),
    enabled: !!team.data,
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/quota", { params: { path: { competition: slug } } })),
  });
  const upload = useMutation({
    mutationFn: async (f: File) => {
      const url = pathOf("/api/v1/competitions/{competition}/submissions", { competition: slug }) + (smoke ? "?smoke=true" : "");
      const { data } = await uploadWithProgress<Submission>("POST", url, f, "application/zip", setProgress);
      return data;
    },
    onSuccess: (s) => {
      setSent(s.id);
      setFile(null);
      void qc.invalidateQueries({ queryKey: keys.quota(slug) });
      void qc.invalidateQueries({ queryKey: keys.submissions(slug) });
    },
  });

  if (!me.data) return <p><Link href="/login">Log in</Link> to submit.</p>;
  if (team.isPending || comp.isPending) return <Loading what="your team" />;
  if (!team.data) return <p>You need a team first: <Link href={`/c/${slug}/team`}>create or join one</Link>.</p>;
  const isHost = !!comp.data && (me.data.id === comp.data.host_id || me.data.is_admin);
  const refused = upload.error instanceof ApiError && REFUSALS.has(upload.error.code) ? upload.error : null;
  const approval = comp.data?.requires_approval ? team.data.approval : null;

  return (
    <div className="grid two">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (file) upload.mutate(file);
        }}
        aria-label="Submit a solution"
      >
        <h2>Submit a solution</h2>
        {approval && approval.state !== "approved" && <ApprovalNotice a={approval} />}
        <p className="muted">A zip with <code>main.py</code> at its root; it runs against the hidden test data and writes <code>{comp.data?.predictions_filename}</code>.</p>
        {comp.data && !isHost && !refused && <StageNotice c={comp.data} />}
        <DropZone name="zip" label="Solution zip" accept=".zip,application/zip" file={file} onFile={setFile} />
        <fieldset>
          <legend>Kind of run</legend>
          <label className="inline">
            <input type="radio" name="kind" checked={!smoke} onChange={() => setSmoke(false)} /> Real run (hidden test data, counts on the board)
          </label>
          <label className="inline">
            <input type="radio" name="kind" checked={smoke} onChange={() => setSmoke(true)} /> Smoke run (the public sample, its own quota)
          </label>
        </fieldset>
        {upload.isPending && progress && <ProgressBar value={progress.loaded} max={progress.total} label="Upload progress" />}
        {refused ? <Refusal error={refused} /> : <ErrorNotice error={upload.error} />}
        <button type="submit" disabled={!file || upload.isPending}>{upload.isPending ? "Uploading…" : "Submit"}</button>
      </form>
      <aside>
        <h2>Quota today</h2>
        {quota.data ? <QuotaBox q={quota.data} /> : <Loading what="your quota" />}
        {quota.data && <ComputeBox c={quota.data.compute} />}
        {sent && <LiveSubmission id={sent} slug={slug} />}
      </aside>
    </div>
  );
}

// the API's codes for "no uploads now" (the schedule, not the file, is the reason)
const REFUSALS = new Set(["between-stages", "stage-takes-no-uploads", "competition-not-open", "competition-closed"]);

/** Why uploads are refused now, from the stages the competition lists (before trying). */
function StageNotice({ c }: { c: Schemas["CompetitionRead"] }) {
  const open = currentStage(c);
  if (open && open.accepts_submissions) return null;
  const next = nextStage(c);
  const opens = next?.opens_at ? <> at {formatDate(next.opens_at)} (<RelativeTime iso={next.opens_at} />)</> : null;
  return (
    <p className="notice" role="status" data-testid="upload-notice">
      {open ? (
        <>
          Stage {open.position} (<span className="stage-name">{open.name}</span>) is evaluation-only and takes no uploads
          {feedText(open) ? `: it ${feedText(open)}` : ""}.
        </>
      ) : (
        "No stage is open for uploads now."
      )}
      {next && <> Stage {next.position} (<span className="stage-name">{next.name}</span>) opens{opens}.</>}
    </p>
  );
}

/** The API's refusal, in its own words, with the next opening when it names one. */
function Refusal({ error }: { error: ApiError }) {
  const opensAt = typeof error.problem.opens_at === "string" && error.problem.opens_at ? error.problem.opens_at : null;
  return (
    <p role="alert" className="error notice" data-testid="upload-refused">
      Uploads are refused now: {error.message}
      {opensAt && <> Uploads open again <RelativeTime iso={opensAt} />.</>}
    </p>
  );
}

function QuotaBox({ q }: { q: Schemas["QuotaRead"] }) {
  return (
    <dl data-testid="quota">
      <dt>Real runs left</dt>
      <dd>{q.submissions.remaining} of {q.submissions.limit}</dd>
      <dt>Smoke runs left</dt>
      <dd>{q.smoke_runs.remaining} of {q.smoke_runs.limit}</dd>
      <dt>Resets</dt>
      <dd><RelativeTime iso={q.resets_at} /></dd>
    </dl>
  );
}

function ApprovalNotice({ a }: { a: Schemas["ApprovalRead"] }) {
  return (
    <p className="error" role="status" data-testid="approval">
      {a.state === "pending"
        ? "Your team is waiting for the host to approve its registration; you can submit once it is approved."
        : `The host refused your team${a.reason ? `: ${a.reason}` : "."}`}
    </p>
  );
}

function hours(h: number): string {
  return h < 10 ? h.toFixed(2) : h.toFixed(1);
}

/** What the team's runs in this stage used of its compute budgets (they never reset). */
function ComputeBox({ c }: { c: Schemas["ComputeUsage"] }) {
  const line = (used: number, limit: number | null, remaining: number | null) =>
    limit === null ? `${hours(used)} h used (no cap)` : `${hours(remaining ?? 0)} h left of ${hours(limit)} h (${hours(used)} h used)`;
  return (
    <>
      <h2>Compute budget</h2>
      <dl data-testid="compute">
        <dt>CPU-hours</dt>
        <dd>{line(c.cpu_hours_used, c.cpu_hours_limit, c.cpu_hours_remaining)}</dd>
        {(c.gpu_hours_limit !== null || c.gpu_hours_used > 0) && (
          <>
            <dt>GPU-hours</dt>
            <dd>{line(c.gpu_hours_used, c.gpu_hours_limit, c.gpu_hours_remaining)}</dd>
          </>
        )}
      </dl>
      <p className="muted">Counted when runs finish; a run is never stopped for the budget, but none starts once it is used.</p>
    </>
  );
}

/** The submission just sent, polled every second until it ends. */
export function LiveSubmission({ id, slug }: { id: string; slug: string }) {
  const q = useQuery({
    queryKey: ["submission", id],
    queryFn: () => call(api.GET("/api/v1/submissions/{submission_id}", { params: { path: { submission_id: id } } })),
    refetchInterval: (query) => (query.state.data && TERMINAL.has(query.state.data.status) ? false : 1000),
  });
  if (!q.data) return <ErrorNotice error={q.error} />;
  const s = q.data;
  return (
    <section className="card" aria-live="polite" data-testid="live-submission">
      <h3>Your submission</h3>
      <p>
        <StatusBadge s={s} /> {s.status === "scored" && <>score <strong data-testid="score">{formatScore(s.public_score)}</strong></>}
      </p>
      {s.failure_reason && <p className="error">{reasonText(s.failure_reason)}{s.detail ? `: ${s.detail}` : ""}</p>}
      <ResourcesLine s={s} />
      <p><Link href={`/c/${slug}/submissions/${s.id}`}>Details and log</Link></p>
    </section>
  );
}
