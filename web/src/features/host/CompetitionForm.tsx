// Create or edit a competition: every field, with the API's messages next to the field.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useLocation } from "wouter";
import { api, call, type Schemas } from "@/api/client";
import { ApiError } from "@/api/problem";
import { keys } from "@/api/queries";
import { ErrorNotice, Field } from "@/components/ui";

type Competition = Schemas["CompetitionRead"];
type Form = Record<string, string | boolean>;

const LIMITS: [keyof Schemas["Limits"], string, string][] = [
  ["time_limit_s", "Time limit (seconds)", "600"],
  ["memory_mb", "Memory (MB)", "2048"],
  ["cpus", "CPUs", "1"],
  ["max_processes", "Most processes", "64"],
  ["output_limit_mb", "Output limit (MB)", "100"],
  ["log_limit_kb", "Log limit (kB)", "64"],
  ["max_concurrent_runs", "Most runs at once (empty: the platform's)", ""],
];

function initial(c?: Competition): Form {
  const l = c?.limits;
  const f: Form = {
    slug: c?.slug ?? "",
    title: c?.title ?? "",
    description: c?.description ?? "",
    rules: c?.rules ?? "",
    metric: c?.metric ?? "accuracy",
    extra_metrics: (c?.extra_metrics ?? []).join(", "),
    id_column: c?.id_column ?? "id",
    target_columns: (c?.target_columns ?? ["label"]).join(", "),
    predictions_filename: c?.predictions_filename ?? "submission.csv",
    runtime: c?.runtime ?? "default",
    daily_quota: String(c?.daily_quota ?? 5),
    smoke_daily_quota: String(c?.smoke_daily_quota ?? 10),
    final_count: String(c?.final_count ?? 2),
    show_logs: c?.show_logs ?? true,
    gpu: l?.gpu ?? false,
    opens_at: toLocal(c?.opens_at),
    closes_at: toLocal(c?.closes_at),
  };
  for (const [k, , d] of LIMITS) f[`limits.${k}`] = l ? String(l[k] ?? "") : d;
  return f;
}

function toLocal(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const num = (s: string) => (s.trim() === "" ? null : Number(s));

function body(f: Form) {
  const limits: Record<string, number | boolean | null> = { gpu: f.gpu as boolean };
  for (const [k] of LIMITS) limits[k] = num(f[`limits.${k}`] as string);
  if (limits.max_concurrent_runs === null) delete limits.max_concurrent_runs;
  return {
    title: f.title as string,
    description: f.description as string,
    rules: f.rules as string,
    metric: (f.metric as string).trim(),
    extra_metrics: list(f.extra_metrics as string),
    id_column: (f.id_column as string).trim(),
    target_columns: list(f.target_columns as string),
    predictions_filename: (f.predictions_filename as string).trim(),
    runtime: (f.runtime as string).trim(),
    daily_quota: num(f.daily_quota as string) ?? 0,
    smoke_daily_quota: num(f.smoke_daily_quota as string) ?? 0,
    final_count: num(f.final_count as string) ?? 1,
    show_logs: f.show_logs as boolean,
    opens_at: f.opens_at ? new Date(f.opens_at as string).toISOString() : null,
    closes_at: f.closes_at ? new Date(f.closes_at as string).toISOString() : null,
    limits,
  };
}

export function CompetitionForm({ existing }: { existing?: Competition }) {
  const [f, setF] = useState<Form>(() => initial(existing));
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: async () => {
      const b = body(f);
      if (existing) {
        return call(
          api.PATCH("/api/v1/competitions/{competition}", {
            params: { path: { competition: existing.slug } },
            body: b as Schemas["CompetitionUpdate"],
          }),
        );
      }
      return call(api.POST("/api/v1/competitions", { body: { ...b, slug: (f.slug as string).trim() } as Schemas["CompetitionCreate"] }));
    },
    onSuccess: (c) => {
      qc.setQueryData(keys.competition(c.slug), c);
      void qc.invalidateQueries({ queryKey: keys.competitions });
      if (!existing) navigate(`/c/${c.slug}/host`);
    },
  });
  const errors = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const shownElsewhere = Object.keys(errors).length > 0;
  const set = (k: string) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setF({ ...f, [k]: e.target.value });
  const text = (k: string, label: string, hint?: string, extra?: Partial<React.InputHTMLAttributes<HTMLInputElement>>): ReactNode => (
    <Field label={label} name={k} error={errors[k]} hint={hint}>
      {(id, d) => <input id={id} name={k} aria-describedby={d} aria-invalid={!!errors[k]} value={f[k] as string} onChange={set(k)} {...extra} />}
    </Field>
  );
  const check = (k: string, label: string) => (
    <label className="inline">
      <input type="checkbox" name={k} checked={f[k] as boolean} onChange={(e) => setF({ ...f, [k]: e.target.checked })} /> {label}
    </label>
  );
  return (
    <form
      className="competition-form"
      aria-label={existing ? "Edit the competition" : "Create a competition"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <fieldset>
        <legend>Basics</legend>
        {!existing && text("slug", "Slug", "Lower-case letters, digits and '-': the competition's address.")}
        {text("title", "Title")}
        <Field label="Overview (Markdown)" name="description" error={errors["description"]}>
          {(id, d) => <textarea id={id} aria-describedby={d} rows={8} value={f.description as string} onChange={set("description")} />}
        </Field>
        <Field label="Rules (Markdown)" name="rules" error={errors["rules"]} hint="Participants accept them before taking part; a change asks them again.">
          {(id, d) => <textarea id={id} aria-describedby={d} rows={5} value={f.rules as string} onChange={set("rules")} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Scoring</legend>
        {text("metric", "Metric", "A metric from the catalog, e.g. accuracy, f1_macro, rmse.")}
        {text("extra_metrics", "More metrics shown (comma-separated)")}
        {text("id_column", "Id column")}
        {text("target_columns", "Target columns (comma-separated)")}
        {text("predictions_filename", "Predictions file")}
        {text("final_count", "Final submissions per team", undefined, { type: "number", min: 1, max: 20 })}
      </fieldset>
      <fieldset>
        <legend>Schedule and quotas</legend>
        {text("opens_at", "Opens at (your local time)", "Empty: open now.", { type: "datetime-local" })}
        {text("closes_at", "Closes at (your local time)", "Empty: no closing date.", { type: "datetime-local" })}
        {text("daily_quota", "Real runs per team per day", undefined, { type: "number", min: 0 })}
        {text("smoke_daily_quota", "Smoke runs per team per day", undefined, { type: "number", min: 0 })}
        {check("show_logs", "Participants may read the logs of real runs")}
      </fieldset>
      <fieldset>
        <legend>Runtime and limits</legend>
        {text("runtime", "Runtime")}
        {LIMITS.map(([k, label]) => (
          <div key={k}>{text(`limits.${k}`, label, undefined, { inputMode: "decimal" })}</div>
        ))}
        {check("gpu", "Runs get a GPU")}
      </fieldset>
      {!shownElsewhere && <ErrorNotice error={save.error} />}
      {shownElsewhere && <p role="alert" className="error">Some fields need fixing; see the messages next to them.</p>}
      {save.isSuccess && existing && <p role="status" className="ok-text">Saved.</p>}
      <button type="submit" disabled={save.isPending}>{existing ? "Save changes" : "Create competition"}</button>
    </form>
  );
}

export function NewCompetitionPage() {
  return (
    <section>
      <h1>New competition</h1>
      <CompetitionForm />
    </section>
  );
}
