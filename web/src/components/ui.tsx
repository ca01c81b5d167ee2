// Small shared pieces: error notices, progress bars, labelled fields, times.
import { useEffect, useState, type ReactNode } from "react";
import { errorMessage } from "@/api/problem";

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {errorMessage(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="muted" aria-busy="true">Loading {what}…</p>;
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="progress">
      <progress value={pct} max={100} aria-label={label} />
      <span>{pct}%</span>
    </div>
  );
}

export function Field(props: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = `f-${props.name.replace(/\W/g, "-")}`;
  const errId = props.error ? `${id}-err` : undefined;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={props.error ? "field invalid" : "field"}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <small id={hintId} className="muted">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={errId} className="field-error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A content digest, short enough to read and compare: "sha256:" and its first 12 hex digits. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return "no pinned version";
  const [algo, hex] = digest.includes(":") ? digest.split(":", 2) : ["sha256", digest];
  return `${algo}:${hex.slice(0, 12)}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** "in 3 h 20 min" / "2 d ago", re-rendered every 30 s. */
export function RelativeTime({ iso }: { iso: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const diff = (new Date(iso).getTime() - now) / 1000;
  const text = diff >= 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
  return <time dateTime={iso} title={formatDate(iso)}>{text}</time>;
}

export function formatScore(x: number | null | undefined, precision?: number): string {
  if (x === null || x === undefined) return "—";
  if (precision !== undefined) return x.toFixed(Math.max(0, Math.min(precision, 20)));
  return Number.isInteger(x) ? String(x) : x.toPrecision(5);
}
