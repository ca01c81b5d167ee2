// The host's stages: each stage's schedule and whether its data and labels are in,
// a form to add a stage at the end, and uploads to a later stage's own routes (the
// first stage's data is the competition's, in the Data section above).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "@/api/problem";
import { keys } from "@/api/queries";
import { createStage, feedText, stageKeys, stageState, stageUploadUrl, useStages, type Feed, type StageDetail } from "@/api/stages";
import { ErrorNotice, Field, formatDate, Loading } from "@/components/ui";
import { Uploader } from "./Uploader";

function DataStatus({ s }: { s: StageDetail }) {
  const files = s.data_files ?? [];
  const smoke = s.smoke_data_files ?? [];
  return (
    <ul className="plain" data-testid="stage-data">
      <li>Features: {files.length > 0 ? files.map((f) => f.filename).join(", ") : <span className="error">none yet</span>}</li>
      <li>Labels: {s.labels_version ? `version ${s.labels_version}` : <span className="error">not uploaded</span>}</li>
      <li>Smoke sample: {smoke.length > 0 ? `${smoke.length} file(s)` : "none"}, labels {s.smoke_labels_version ? `version ${s.smoke_labels_version}` : "not uploaded"}</li>
    </ul>
  );
}

export function StagesSection({ slug }: { slug: string }) {
  const qc = useQueryClient();
  const stages = useStages(slug);
  const [target, setTarget] = useState<number | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: stageKeys.list(slug) });
    void qc.invalidateQueries({ queryKey: keys.competition(slug) });
  };
  const list = stages.data ?? [];
  const later = list.filter((s) => s.position > 1);
  const chosen = later.find((s) => s.position === target) ?? later[later.length - 1];
  return (
    <section aria-labelledby="host-stages">
      <h2 id="host-stages">Stages</h2>
      {stages.isPending && <Loading what="the stages" />}
      <ErrorNotice error={stages.error} />
      {list.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Name</th><th scope="col">Opens</th><th scope="col">Closes</th><th scope="col">State</th><th scope="col">Uploads</th><th scope="col">Data</th></tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.position} data-testid="host-stage-row">
                  <td>{s.position}</td>
                  <td className="stage-name">{s.name}</td>
                  <td>{s.opens_at ? formatDate(s.opens_at) : "from the start"}</td>
                  <td>{s.closes_at ? formatDate(s.closes_at) : "never"}</td>
                  <td>{stageState(s)}</td>
                  <td>{s.kind === "training" ? "training: " : ""}{s.accepts_submissions ? "takes uploads" : "evaluation only"}{feedText(s) ? `; ${feedText(s)}` : ""}</td>
                  <td><DataStatus s={s} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chosen && (
        <>
          <h3>Data of a later stage</h3>
          <label className="inline">
            Stage{" "}
            <select value={chosen.position} onChange={(e) => setTarget(Number(e.target.value))} data-testid="upload-stage">
              {later.map((s) => <option key={s.position} value={s.position}>{s.position}. {s.name}</option>)}
            </select>
          </label>
          <div className="grid two" key={chosen.position}>
            <Uploader name={`stage-features`} title={`Stage ${chosen.position} test features`} hint="A file this stage's runs read from data/." contentType="application/octet-stream"
              url={(f) => stageUploadUrl(slug, chosen.position, "data", f.name)} onDone={refresh} />
            <Uploader name={`stage-labels`} title={`Stage ${chosen.position} hidden labels`} hint="CSV: the id column, the targets and Usage (Public/Private)." contentType="text/csv"
              url={() => stageUploadUrl(slug, chosen.position, "labels")} onDone={refresh} />
            <Uploader name={`stage-smoke-features`} title={`Stage ${chosen.position} smoke features`} hint="The public sample this stage's smoke runs read." contentType="application/octet-stream"
              url={(f) => stageUploadUrl(slug, chosen.position, "smoke-data", f.name)} onDone={refresh} />
            <Uploader name={`stage-smoke-labels`} title={`Stage ${chosen.position} smoke labels`} hint="CSV labels of the public sample." contentType="text/csv"
              url={() => stageUploadUrl(slug, chosen.position, "smoke-labels")} onDone={refresh} />
          </div>
        </>
      )}
      <AddStage slug={slug} onAdded={refresh} />
    </section>
  );
}

const iso = (local: string) => (local ? new Date(local).toISOString() : null);

function AddStage({ slug, onAdded }: { slug: string; onAdded: () => void }) {
  const [name, setName] = useState("");
  const [opens, setOpens] = useState("");
  const [closes, setCloses] = useState("");
  const [uploads, setUploads] = useState(true);
  const [feed, setFeed] = useState<"" | Feed>("");
  const [kind, setKind] = useState<"inference" | "training">("inference");
  const add = useMutation({
    mutationFn: () =>
      createStage(slug, { name: name.trim(), opens_at: iso(opens), closes_at: iso(closes), accepts_submissions: uploads, feed: feed || null, kind }),
    onSuccess: () => {
      setName("");
      onAdded();
    },
  });
  const errors = add.error instanceof ApiError ? add.error.fieldErrors() : {};
  const general = add.error && Object.keys(errors).length === 0 ? add.error : null;
  return (
    <form aria-label="Add a stage" className="card narrow" onSubmit={(e) => { e.preventDefault(); add.mutate(); }}>
      <h3>Add a stage</h3>
      <p className="muted">It comes after the last stage and starts with its settings (metric, limits, quotas, runtime).</p>
      <Field label="Name" name="stage-name" error={errors.name}>
        {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />}
      </Field>
      <Field label="Opens" name="stage-opens" error={errors.opens_at} hint="Your local time; no earlier than the previous stage closes.">
        {(id, d) => <input id={id} aria-describedby={d} type="datetime-local" value={opens} onChange={(e) => setOpens(e.target.value)} />}
      </Field>
      <Field label="Closes" name="stage-closes" error={errors.closes_at}>
        {(id, d) => <input id={id} aria-describedby={d} type="datetime-local" value={closes} onChange={(e) => setCloses(e.target.value)} />}
      </Field>
      <label className="inline">
        <input type="checkbox" checked={uploads} onChange={(e) => setUploads(e.target.checked)} /> Takes uploads (unchecked: evaluation only)
      </label>
      <Field label="Feed" name="stage-feed" error={errors.feed} hint="When it opens, re-run submissions of the previous stage on this stage's data.">
        {(id, d) => (
          <select id={id} aria-describedby={d} value={feed} onChange={(e) => setFeed(e.target.value as "" | Feed)}>
            <option value="">nothing</option>
            <option value="finals">each team's final submissions</option>
            <option value="all">every successful submission</option>
          </select>
        )}
      </Field>
      <Field label="Kind" name="stage-kind" error={errors.kind} hint="Training: runs see this stage's data (training features and labels) and save a model for the next stage's runs; they are not scored.">
        {(id, d) => (
          <select id={id} aria-describedby={d} value={kind} onChange={(e) => setKind(e.target.value as "inference" | "training")}>
            <option value="inference">inference (scored predictions)</option>
            <option value="training">training (a model for the next stage)</option>
          </select>
        )}
      </Field>
      <ErrorNotice error={general} />
      {add.isSuccess && <p role="status" className="ok-text">Stage {add.data.position} added.</p>}
      <button type="submit" disabled={add.isPending || !name.trim()}>Add the stage</button>
    </form>
  );
}
