// The overview's stage pieces: which stage is open now (or when the next opens), and
// the timeline of every stage. Stage names come from hosts: rendered as text only.
import type { Schemas } from "@/api/client";
import { currentStage, feedText, nextStage, stagesOf, stageState, type StageSummary } from "@/api/stages";
import { formatDate, RelativeTime } from "@/components/ui";

type Competition = Schemas["CompetitionRead"];

function Schedule({ s }: { s: StageSummary }) {
  return (
    <>
      {s.opens_at ? <>opens {formatDate(s.opens_at)}</> : "open from the start"}
      {", "}
      {s.closes_at ? <>closes {formatDate(s.closes_at)} (<RelativeTime iso={s.closes_at} />)</> : "no closing date"}
    </>
  );
}

/** One line on the stage that matters now; nothing for a one-stage competition that is open. */
export function CurrentStage({ c }: { c: Competition }) {
  const stages = stagesOf(c);
  const now = currentStage(c);
  const next = nextStage(c);
  if (now) {
    if (stages.length === 1 && now.accepts_submissions) return null;
    return (
      <p className="card stage-now" data-testid="current-stage">
        <span className="badge ok">open</span> Stage {now.position}: <strong className="stage-name">{now.name}</strong>
        {!now.accepts_submissions && <> <span className="badge wait" data-testid="evaluation-only">evaluation only</span></>}
        <br />
        <span className="muted"><Schedule s={now} /></span>
        {!now.accepts_submissions && (
          <>
            <br />
            This stage takes no uploads{feedText(now) ? `: it ${feedText(now)}` : ""}.
          </>
        )}
      </p>
    );
  }
  return (
    <p className="card stage-now" data-testid="current-stage">
      <span className="badge">no stage open</span>{" "}
      {next ? (
        <>
          Stage {next.position} (<strong className="stage-name">{next.name}</strong>) opens{" "}
          {next.opens_at ? <>{formatDate(next.opens_at)} (<RelativeTime iso={next.opens_at} />)</> : "soon"}.
        </>
      ) : (
        "Every stage has closed."
      )}
    </p>
  );
}

const STATE_CLASS = { upcoming: "wait", open: "ok", closed: "" } as const;

/** Every stage in order: its schedule, state and what it re-runs. */
export function StagesTimeline({ c }: { c: Competition }) {
  const stages = stagesOf(c);
  if (stages.length < 2) return null;
  return (
    <section aria-labelledby="stages-h">
      <h2 id="stages-h">Stages</h2>
      <ol className="timeline" data-testid="stages">
        {stages.map((s) => {
          const state = stageState(s);
          const feed = feedText(s);
          return (
            <li key={s.position} data-testid="stage" data-state={state} className={state === "open" ? "current" : undefined}>
              <div className="row">
                <strong>{s.position}.</strong> <span className="stage-name">{s.name}</span>
                <span className={`badge ${STATE_CLASS[state]}`} data-testid="stage-state">{state}</span>
                {!s.accepts_submissions && <span className="badge">evaluation only</span>}
              </div>
              <div className="muted"><Schedule s={s} /></div>
              {feed && <div data-testid="stage-feed">{feed}</div>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
