// Words and badges for a submission's state, shared by the submit and list pages.
import type { Schemas } from "@/api/client";
import { formatDuration } from "@/components/ui";

export type Submission = Schemas["SubmissionRead"];

export const TERMINAL = new Set(["scored", "trained", "failed", "cancelled"]);

const REASONS: Record<string, string> = {
  invalid_submission: "The zip is not a valid submission",
  runtime_error: "Your code exited with an error",
  time_limit_exceeded: "The run took longer than the time limit",
  memory_limit_exceeded: "The run used more memory than allowed",
  output_limit_exceeded: "The run wrote more output than allowed",
  missing_predictions: "The run wrote no predictions file",
  invalid_predictions: "The predictions file does not match the expected format",
  internal_error: "Holdout failed to run it (not your fault); it can be resubmitted",
};

export function reasonText(reason: string | null | undefined): string {
  return reason ? (REASONS[reason] ?? reason.replace(/_/g, " ")) : "";
}

export function StatusBadge({ s }: { s: Submission }) {
  const cls = s.status === "scored" || s.status === "trained" ? "ok" : s.status === "failed" ? "bad" : s.status === "cancelled" ? "" : "wait";
  return (
    <span className={`badge ${cls}`} data-testid="status">
      {s.status}
      {s.is_smoke ? " (smoke)" : ""}
    </span>
  );
}

/** The stage a submission belongs to, and the one it re-runs (a stage fed by the previous one). */
export function StageCell({ s }: { s: Submission }) {
  const original = s.rerun_of;
  return (
    <>
      <span data-testid="stage">{s.stage_position}</span>
      {original && (
        <div className="muted" data-testid="rerun" title={original}>
          re-run of <code>{original.slice(0, 8)}</code>
        </div>
      )}
    </>
  );
}

export function ResourcesLine({ s }: { s: Submission }) {
  const r = s.resources;
  if (!r) return null;
  return (
    <span className="muted">
      wall {formatDuration(r.wall_seconds)}, CPU {r.cpu_seconds.toFixed(1)} s, peak memory {r.peak_memory_mb.toFixed(0)} MB
      {r.gpu_seconds > 0 ? `, GPU ${formatDuration(r.gpu_seconds)}` : ""}
    </span>
  );
}

// A queued run's place in the fair-share order and its expected start (both estimates
// that move as runs end; the page polls the submission).
export function QueueLine({ s }: { s: Submission }) {
  const q = s.queue;
  if (!q) return null;
  const wait = (new Date(q.estimated_start_at).getTime() - new Date(q.updated_at).getTime()) / 1000;
  return (
    <span className="muted" data-testid="queue">
      {q.position === 1 ? "Next to start" : `Number ${q.position} in the queue (${q.ahead} ahead)`}
      {wait < 1 ? ", starting now" : `, expected to start in about ${formatDuration(wait)}`}
    </span>
  );
}
