// A competition's page: overview, schedule, metric, limits, runtime, quotas.
import { lazy, Suspense } from "react";
import { useCompetition } from "@/api/queries";
import { formatDate, formatDuration, Loading, RelativeTime, shortDigest } from "@/components/ui";
import { Downloads, Rules } from "./Downloads";
import { RuntimeChanges } from "./RuntimeChanges";
import { CurrentStage, StagesTimeline } from "./Stages";

const Markdown = lazy(() => import("./Markdown"));

export function CompetitionOverview({ slug }: { slug: string }) {
  const comp = useCompetition(slug);
  if (!comp.data) return null;
  const c = comp.data;
  const l = c.limits;
  return (
    <div className="grid">
      <section aria-labelledby="ov">
        <CurrentStage c={c} />
        <h2 id="ov">Overview</h2>
        {c.description ? (
          <Suspense fallback={<Loading what="the overview" />}>
            <Markdown text={c.description} />
          </Suspense>
        ) : (
          <p className="muted">The host has not written an overview yet.</p>
        )}
        <StagesTimeline c={c} />
        <Downloads c={c} />
        <Rules c={c} />
      </section>
      <aside>
        <h2>Schedule</h2>
        <dl>
          <dt>Opens</dt>
          <dd>{c.opens_at ? <>{formatDate(c.opens_at)} (<RelativeTime iso={c.opens_at} />)</> : "open now"}</dd>
          <dt>Closes</dt>
          <dd>{c.closes_at ? <>{formatDate(c.closes_at)} (<RelativeTime iso={c.closes_at} />)</> : "no closing date"}</dd>
          <dt>Private board</dt>
          <dd>{c.revealed_at ? `revealed ${formatDate(c.revealed_at)}` : "hidden until the host reveals it"}</dd>
        </dl>
        <h2>Scoring</h2>
        <dl>
          <dt>Metric</dt>
          <dd>
            {c.metric} ({c.higher_is_better ? "higher is better" : "lower is better"})
          </dd>
          {c.extra_metrics.length > 0 && (
            <>
              <dt>Also shown</dt>
              <dd>{c.extra_metrics.join(", ")}</dd>
            </>
          )}
          <dt>Predictions</dt>
          <dd>
            <code>{c.predictions_filename}</code> with columns <code>{[c.id_column, ...c.target_columns].join(", ")}</code>
          </dd>
          <dt>Final submissions</dt>
          <dd>{c.final_count} per team count on the private board</dd>
        </dl>
        <h2>Limits per run</h2>
        <dl>
          <dt>Runtime</dt>
          <dd data-testid="pinned-runtime">
            <code>{c.runtime}</code> pinned to <code title={c.runtime_digest ?? undefined}>{shortDigest(c.runtime_digest)}</code>
          </dd>
          <dt>Time</dt>
          <dd>{formatDuration(l.time_limit_s)}</dd>
          <dt>Memory</dt>
          <dd>{l.memory_mb} MB</dd>
          <dt>CPUs</dt>
          <dd>{l.cpus}</dd>
          <dt>GPU</dt>
          <dd>{l.gpu ? "yes" : "no"}</dd>
          <dt>Submissions per day</dt>
          <dd>
            {c.daily_quota} real, {c.smoke_daily_quota} smoke runs (UTC days)
          </dd>
          <dt>Logs</dt>
          <dd>{c.show_logs ? "you can read your runs' logs" : "logs of real runs are hidden"}</dd>
        </dl>
        <RuntimeChanges slug={slug} />
      </aside>
    </div>
  );
}
