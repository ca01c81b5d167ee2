// The host's console for one competition: settings, data, submissions, rescore, reveal.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, call, pathOf, type Schemas } from "@/api/client";
import { keys, useCompetition } from "@/api/queries";
import { stagesOf, type StageSummary } from "@/api/stages";
import { DayBars, type DayBar } from "@/components/charts";
import { ErrorNotice, formatBytes, formatDate, formatScore, Loading } from "@/components/ui";
import { CompetitionForm } from "./CompetitionForm";
import { RuntimeSection } from "./RuntimeSection";
import { StagesSection } from "./StagesSection";
import { Uploader } from "./Uploader";

export function HostConsole({ slug }: { slug: string }) {
  const comp = useCompetition(slug);
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: keys.competition(slug) });
  const path = { competition: slug };
  const reveal = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/reveal", { params: { path } })),
    onSuccess: (c) => qc.setQueryData(keys.competition(slug), c),
  });
  if (!comp.data) return <Loading what="the competition" />;
  const c = comp.data;
  const files = (list: typeof c.data_files) =>
    list.length === 0 ? <p className="muted">None yet.</p> : (
      <ul>{list.map((f) => <li key={f.filename}><code>{f.filename}</code> {formatBytes(f.size_bytes)}, {formatDate(f.uploaded_at)}</li>)}</ul>
    );
  return (
    <div className="host">
      <section>
        <h2>Data</h2>
        <div className="grid two">
          <div>
            <h3>Test features (data version {c.data_version})</h3>
            {files(c.data_files)}
            <p>Hidden labels: {c.labels_version ? `version ${c.labels_version}` : "not uploaded"}</p>
          </div>
          <div>
            <h3>Smoke sample (version {c.smoke_data_version})</h3>
            {files(c.smoke_data_files)}
            <p>Public labels: {c.smoke_labels_version ? `version ${c.smoke_labels_version}` : "not uploaded"}</p>
          </div>
        </div>
        <div className="grid two">
          <Uploader name="features" title="Test features" hint="A file the runs read from data/ (never downloadable)." contentType="application/octet-stream"
            url={(f) => pathOf("/api/v1/competitions/{competition}/data/{filename}", { competition: slug, filename: f.name })} onDone={refresh} />
          <Uploader name="labels" title="Hidden labels" hint="CSV: the id column, the targets and Usage (Public/Private)." contentType="text/csv"
            url={() => pathOf("/api/v1/competitions/{competition}/labels", { competition: slug })} onDone={refresh} />
          <Uploader name="smoke-features" title="Smoke sample features" hint="The public sample smoke runs read." contentType="application/octet-stream"
            url={(f) => pathOf("/api/v1/competitions/{competition}/smoke/data/{filename}", { competition: slug, filename: f.name })} onDone={refresh} />
          <Uploader name="smoke-labels" title="Smoke sample labels" hint="CSV labels of the public sample." contentType="text/csv"
            url={() => pathOf("/api/v1/competitions/{competition}/smoke/labels", { competition: slug })} onDone={refresh} />
        </div>
        <ParticipantFiles slug={slug} files={c.participant_files} onChange={refresh} />
      </section>
      <StagesSection slug={slug} />
      <AllSubmissions slug={slug} />
      <section>
        <h2>Boards</h2>
        <Rescore slug={slug} stages={stagesOf(c)} />
        <p>
          {c.revealed_at ? (
            <>The private board was revealed {formatDate(c.revealed_at)}.</>
          ) : (
            <RevealButton onReveal={() => reveal.mutate()} busy={reveal.isPending} />
          )}
        </p>
        <ErrorNotice error={reveal.error} />
        <p>
          Export as CSV: <CsvLink slug={slug} board="public" /> · <CsvLink slug={slug} board="private" />
        </p>
      </section>
      <RuntimeSection c={c} />
      <section>
        <h2>Settings</h2>
        <CompetitionForm existing={c} key={c.updated_at} />
      </section>
    </div>
  );
}

const KINDS = ["training", "format", "docs", "other"] as const;

/** What participants download: training data, a format example, documentation. */
function ParticipantFiles({ slug, files, onChange }: { slug: string; files: Schemas["ParticipantFileRead"][]; onChange: () => void }) {
  const [kind, setKind] = useState<(typeof KINDS)[number]>("training");
  const remove = useMutation({
    mutationFn: (filename: string) =>
      call(api.DELETE("/api/v1/competitions/{competition}/files/{filename}", { params: { path: { competition: slug, filename } } })),
    onSuccess: onChange,
  });
  return (
    <div>
      <h3>Participant files</h3>
      {files.length === 0 ? <p className="muted">None yet.</p> : (
        <ul>
          {files.map((f) => (
            <li key={f.filename}>
              <code>{f.filename}</code> ({f.kind}, {formatBytes(f.size_bytes)}){" "}
              <button type="button" className="secondary small" onClick={() => remove.mutate(f.filename)} aria-label={`Delete ${f.filename}`}>Delete</button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={remove.error} />
      <label className="inline">
        Kind of the next file{" "}
        <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => <option key={k}>{k}</option>)}
        </select>
      </label>
      <Uploader name="participant-file" title="Participant file" hint="Participants download it after accepting the rules." contentType="application/octet-stream"
        url={(f) => pathOf("/api/v1/competitions/{competition}/files/{filename}", { competition: slug, filename: f.name }) + `?kind=${kind}`} onDone={onChange} />
    </div>
  );
}

/** Revealing cannot be undone, so it takes a second, explicit click. */
function RevealButton({ onReveal, busy }: { onReveal: () => void; busy: boolean }) {
  const [sure, setSure] = useState(false);
  if (!sure) return <button type="button" className="danger" onClick={() => setSure(true)}>Reveal the private board…</button>;
  return (
    <span className="row">
      Everyone will see the private board; this cannot be undone.
      <button type="button" className="danger" onClick={onReveal} disabled={busy}>Yes, reveal it now</button>
      <button type="button" className="secondary" onClick={() => setSure(false)}>Not yet</button>
    </span>
  );
}

/** The CSV needs the host's credentials, so it is fetched and handed over as a file. */
function CsvLink({ slug, board }: { slug: string; board: "public" | "private" }) {
  const [error, setError] = useState<unknown>(null);
  async function download() {
    setError(null);
    try {
      const text = await call(
        api.GET("/api/v1/competitions/{competition}/leaderboard/{board}.csv", { params: { path: { competition: slug, board } }, parseAs: "text" }),
      );
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text as string], { type: "text/csv" }));
      a.download = `${slug}-${board}-leaderboard.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setError(e);
    }
  }
  return (
    <>
      <button type="button" className="link" onClick={download}>{board} board</button>
      <ErrorNotice error={error} />
    </>
  );
}

function Rescore({ slug, stages }: { slug: string; stages: StageSummary[] }) {
  const qc = useQueryClient();
  const path = { competition: slug };
  const [stage, setStage] = useState(1);
  const rescores = useQuery({
    queryKey: ["competition", slug, "rescores"],
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/rescores", { params: { path, query: { limit: 1 } } })),
  });
  const subs = useQuery({
    queryKey: ["competition", slug, "all-submissions"],
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/submissions", { params: { path, query: { limit: 200 } } })),
  });
  const latest = rescores.data?.items[0];
  // progress: the stage's scored submissions whose score was written after the rescoring was asked for
  const scored = (subs.data?.items ?? []).filter((s) => s.status === "scored" && s.stage_position === stage);
  const redone = latest ? scored.filter((s) => s.updated_at >= latest.requested_at).length : 0;
  const running = !!latest && redone < scored.length;
  const start = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/rescore", { params: { path, query: { stage } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["competition", slug, "rescores"] });
      void qc.invalidateQueries({ queryKey: ["competition", slug, "all-submissions"] });
    },
  });
  useQuery({
    queryKey: ["competition", slug, "rescore-poll"],
    enabled: running,
    refetchInterval: 1500,
    queryFn: async () => {
      await qc.invalidateQueries({ queryKey: ["competition", slug, "all-submissions"] });
      return Date.now();
    },
  });
  return (
    <div>
      <div className="row">
      {stages.length > 1 && (
        <label className="inline">
          Stage{" "}
          <select value={stage} onChange={(e) => setStage(Number(e.target.value))} data-testid="rescore-stage">
            {stages.map((s) => <option key={s.position} value={s.position}>{s.position}. {s.name}</option>)}
          </select>
        </label>
      )}
      <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>Rescore every scored submission</button>
      </div>
      <ErrorNotice error={start.error} />
      {latest && (
        <p role="status">
          Last rescoring asked {formatDate(latest.requested_at)}: {redone} of {scored.length} submissions rescored
          {running ? "…" : "."} <progress value={redone} max={Math.max(1, scored.length)} aria-label="Rescoring progress" />
        </p>
      )}
    </div>
  );
}

function AllSubmissions({ slug }: { slug: string }) {
  const [status, setStatus] = useState("");
  const [reason, setReason] = useState("");
  const [team, setTeam] = useState("");
  const q = useQuery({
    queryKey: ["competition", slug, "all-submissions"],
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/submissions", { params: { path: { competition: slug }, query: { limit: 200 } } })),
    refetchInterval: 5000,
  });
  const items = q.data?.items ?? [];
  const teams = [...new Set(items.map((s) => s.team_name))].sort();
  const reasons = [...new Set(items.map((s) => s.failure_reason).filter(Boolean))] as string[];
  const shown = items.filter(
    (s) => (!status || s.status === status) && (!reason || s.failure_reason === reason) && (!team || s.team_name === team),
  );
  const days = useMemo<DayBar[]>(() => {
    const by = new Map<string, Record<string, number>>();
    for (const s of items) {
      const day = s.created_at.slice(0, 10);
      const outcome = ["scored", "trained", "failed", "cancelled"].includes(s.status) ? s.status : "pending";
      const counts = by.get(day) ?? {};
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      by.set(day, counts);
    }
    return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, counts }));
  }, [items]);
  return (
    <section>
      <h2>Every submission</h2>
      <DayBars days={days} label="Submissions per day" />
      <div className="row filters">
        <label>Status <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any</option>
          {["queued", "running", "scoring", "scored", "trained", "failed", "cancelled"].map((s) => <option key={s}>{s}</option>)}
        </select></label>
        <label>Reason <select value={reason} onChange={(e) => setReason(e.target.value)}>
          <option value="">any</option>
          {reasons.map((r) => <option key={r}>{r}</option>)}
        </select></label>
        <label>Team <select value={team} onChange={(e) => setTeam(e.target.value)}>
          <option value="">any</option>
          {teams.map((t) => <option key={t}>{t}</option>)}
        </select></label>
      </div>
      {q.isPending && <Loading what="submissions" />}
      <ErrorNotice error={q.error} />
      <p className="muted">{shown.length} of {q.data?.total ?? 0} shown{(q.data?.total ?? 0) > items.length ? ` (the newest ${items.length})` : ""}.</p>
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">Sent</th><th scope="col">Stage</th><th scope="col">Team</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Score</th></tr></thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id} data-testid="host-submission-row">
                <td>{formatDate(s.created_at)}</td>
                <td>{s.stage_position}</td>
                <td className="team-name">{s.team_name}</td>
                <td>{s.status}{s.is_smoke ? " (smoke)" : ""}{s.rerun_of ? ` re-run of ${s.rerun_of.slice(0, 8)}` : ""}</td>
                <td>{s.failure_reason ?? ""}</td>
                <td>{formatScore(s.public_score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
