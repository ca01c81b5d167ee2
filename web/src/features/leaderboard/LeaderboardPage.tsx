// The boards of each stage: public (live through server-sent events), private after
// the reveal, every column the API shows with its precision (the ranking one first).
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, call, pathOf, type Schemas } from "@/api/client";
import { keys, useCompetition, useMe, useMyTeam } from "@/api/queries";
import { currentStage, stagesOf, stageState } from "@/api/stages";
import { bestOverTime, ScoreChart } from "@/components/charts";
import { ErrorNotice, formatDate, formatScore, Loading } from "@/components/ui";

const PAGE = 50;

type Board = Schemas["Leaderboard"];
type Column = Schemas["LeaderboardColumn"];

/** Re-read the stage's boards each time the server says they changed. */
function useLiveBoard(slug: string, stage: number) {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    const url = pathOf("/api/v1/competitions/{competition}/leaderboard/events", { competition: slug }) + `?stage=${stage}`;
    const source = new EventSource(url);
    let first = true;
    source.addEventListener("board", () => {
      setLive(true);
      if (first) first = false; // the first event only says "connected": the board was just read
      else void qc.invalidateQueries({ queryKey: ["competition", slug, "board"] });
    });
    source.onerror = () => setLive(false);
    return () => source.close();
  }, [slug, stage, qc]);
  return live;
}

/** The board's columns; a board from before columns existed: its metric and extra metrics. */
function columnsOf(data: Board): Column[] {
  if (data.columns && data.columns.length > 0) return data.columns;
  const extra = (data as { extra_metrics?: string[] }).extra_metrics ?? [];
  return [
    { key: data.metric, higher_is_better: data.higher_is_better, precision: 4 },
    ...extra.map((key) => ({ key, higher_is_better: true, precision: 4 })),
  ];
}

function valueOf(e: Board["entries"][number], col: Column, first: boolean): number | null | undefined {
  const scores = e.scores ?? {};
  if (col.key in scores) return scores[col.key];
  if (first) return e.score;
  return (e as { extra_scores?: Record<string, number> }).extra_scores?.[col.key];
}

/** The stage a board opens on: the open one, else the latest that has opened, else the first. */
function defaultStage(c: Schemas["CompetitionRead"]): number {
  const open = currentStage(c);
  if (open) return open.position;
  const started = stagesOf(c).filter((s) => stageState(s) !== "upcoming");
  return started.length > 0 ? started[started.length - 1].position : 1;
}

export function LeaderboardPage({ slug }: { slug: string }) {
  const comp = useCompetition(slug);
  const c = comp.data;
  if (!c) return <Loading what="the competition" />;
  return <Boards slug={slug} c={c} />;
}

function Boards({ slug, c }: { slug: string; c: Schemas["CompetitionRead"] }) {
  const me = useMe();
  const team = useMyTeam(slug, !!me.data);
  const stages = stagesOf(c);
  const [stage, setStage] = useState(() => defaultStage(c));
  const [board, setBoard] = useState<"public" | "private">("public");
  const [offset, setOffset] = useState(0);
  const live = useLiveBoard(slug, stage);
  const path = { competition: slug };
  const q = useQuery({
    queryKey: keys.board(slug, board, stage, offset),
    placeholderData: keepPreviousData,
    queryFn: () => {
      const query = { offset, limit: PAGE, stage };
      return board === "public"
        ? call(api.GET("/api/v1/competitions/{competition}/leaderboard", { params: { path, query } }))
        : call(api.GET("/api/v1/competitions/{competition}/leaderboard/private", { params: { path, query } }));
    },
  });
  const isHost = !!me.data && (me.data.id === c.host_id || me.data.is_admin);
  const privateVisible = c.revealed_at !== null || isHost;
  const data = q.data;
  const columns = data ? columnsOf(data) : [];
  const first = columns[0];
  return (
    <section>
      {stages.length > 1 && (
        <label className="inline stage-select">
          Stage{" "}
          <select value={stage} onChange={(e) => { setStage(Number(e.target.value)); setOffset(0); }} data-testid="stage-select">
            {stages.map((s) => (
              <option key={s.position} value={s.position}>
                {s.position}. {s.name} ({stageState(s)})
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="row spread">
        <div role="tablist" aria-label="Board" className="row">
          <button type="button" role="tab" aria-selected={board === "public"} className={board === "public" ? "tab active" : "tab"} onClick={() => { setBoard("public"); setOffset(0); }}>
            Public
          </button>
          {privateVisible && (
            <button type="button" role="tab" aria-selected={board === "private"} className={board === "private" ? "tab active" : "tab"} onClick={() => { setBoard("private"); setOffset(0); }}>
              Private{c.revealed_at ? "" : " (hosts only until the reveal)"}
            </button>
          )}
        </div>
        <span className={live ? "badge ok" : "badge"} data-testid="live">{live ? "live" : "not live"}</span>
      </div>
      {data && first && (
        <p className="muted" data-testid="ranked-by">
          Ranked by {first.key}, {first.higher_is_better ? "higher is better" : "lower is better"}
          {columns.length > 1 ? "; ties by the next columns in order" : ""}; {data.total} teams.
        </p>
      )}
      {q.isPending && <Loading what="the leaderboard" />}
      <ErrorNotice error={q.error} />
      {data && data.entries.length === 0 && <p>No team has a score yet.</p>}
      {data && data.entries.length > 0 && (
        <div className="table-wrap">
          <table className="board">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Team</th>
                {columns.map((col, i) => (
                  <th scope="col" key={col.key} className={i === 0 ? "ranking" : "wide-only"} data-testid="board-column"
                    title={`${col.higher_is_better ? "higher" : "lower"} is better${i === 0 ? "; ranks the board" : ""}`}>
                    {col.key}{i === 0 && <span className="badge ranking-badge">ranks</span>}
                  </th>
                ))}
                <th scope="col" className="wide-only">Submissions</th>
                <th scope="col" className="wide-only">Last improved</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => {
                const mine = team.data?.id === e.team_id;
                return (
                  <tr key={e.team_id} className={mine ? "mine" : undefined} data-testid="board-row" aria-current={mine ? "true" : undefined}>
                    <td>{e.rank}</td>
                    <td className="team-name">{e.team_name}{mine && <span className="badge mine-badge">your team</span>}</td>
                    {columns.map((col, i) => (
                      <td key={col.key} className={i === 0 ? undefined : "wide-only"} data-testid={i === 0 ? "board-score" : "board-cell"}>
                        {formatScore(valueOf(e, col, i === 0), col.precision)}
                      </td>
                    ))}
                    <td className="wide-only">{e.submissions}</td>
                    <td className="wide-only">{formatDate(e.submitted_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {data && data.total > PAGE && (
        <nav className="row" aria-label="Pages">
          <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}
          </span>
          <button type="button" className="secondary" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
        </nav>
      )}
      {team.data && <TeamHistory slug={slug} teamName={team.data.name} higherIsBetter={c.higher_is_better} />}
    </section>
  );
}

/** Your team's best public score over time (read after the board: it is not needed for the rows). */
function TeamHistory({ slug, teamName, higherIsBetter }: { slug: string; teamName: string; higherIsBetter: boolean }) {
  const subs = useQuery({
    queryKey: keys.submissions(slug),
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/submissions", { params: { path: { competition: slug }, query: { limit: 200 } } })),
  });
  if (!subs.data) return null;
  return (
    <>
      <h3>Your team's best score over time</h3>
      <ScoreChart points={bestOverTime(subs.data.items, higherIsBetter)} label={`Best public score of ${teamName}`} />
    </>
  );
}
