// The boards: public (live through server-sent events), private after the reveal.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, call, pathOf } from "@/api/client";
import { keys, useCompetition, useMe, useMyTeam } from "@/api/queries";
import { bestOverTime, ScoreChart } from "@/components/charts";
import { ErrorNotice, formatDate, formatScore, Loading } from "@/components/ui";

const PAGE = 50;

/** Re-read the boards each time the server says they changed. */
function useLiveBoard(slug: string) {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    const source = new EventSource(pathOf("/api/v1/competitions/{competition}/leaderboard/events", { competition: slug }));
    let first = true;
    source.addEventListener("board", () => {
      setLive(true);
      if (first) first = false; // the first event only says "connected": the board was just read
      else void qc.invalidateQueries({ queryKey: ["competition", slug, "board"] });
    });
    source.onerror = () => setLive(false);
    return () => source.close();
  }, [slug, qc]);
  return live;
}

export function LeaderboardPage({ slug }: { slug: string }) {
  const comp = useCompetition(slug);
  const me = useMe();
  const team = useMyTeam(slug, !!me.data);
  const [board, setBoard] = useState<"public" | "private">("public");
  const [offset, setOffset] = useState(0);
  const live = useLiveBoard(slug);
  const path = { competition: slug };
  const q = useQuery({
    queryKey: keys.board(slug, board, offset),
    placeholderData: keepPreviousData,
    queryFn: () =>
      board === "public"
        ? call(api.GET("/api/v1/competitions/{competition}/leaderboard", { params: { path, query: { offset, limit: PAGE } } }))
        : call(api.GET("/api/v1/competitions/{competition}/leaderboard/private", { params: { path, query: { offset, limit: PAGE } } })),
  });
  const c = comp.data;
  const isHost = !!me.data && !!c && (me.data.id === c.host_id || me.data.is_admin);
  const privateVisible = !!c && (c.revealed_at !== null || isHost);
  const data = q.data;
  const extra = (data as { extra_metrics?: string[] } | undefined)?.extra_metrics ?? c?.extra_metrics ?? [];
  return (
    <section>
      <div className="row spread">
        <div role="tablist" aria-label="Board" className="row">
          <button type="button" role="tab" aria-selected={board === "public"} className={board === "public" ? "tab active" : "tab"} onClick={() => { setBoard("public"); setOffset(0); }}>
            Public
          </button>
          {privateVisible && (
            <button type="button" role="tab" aria-selected={board === "private"} className={board === "private" ? "tab active" : "tab"} onClick={() => { setBoard("private"); setOffset(0); }}>
              Private{c?.revealed_at ? "" : " (hosts only until the reveal)"}
            </button>
          )}
        </div>
        <span className={live ? "badge ok" : "badge"} data-testid="live">{live ? "live" : "not live"}</span>
      </div>
      {data && (
        <p className="muted">
          Ranked by {data.metric}, {data.higher_is_better ? "higher is better" : "lower is better"}; {data.total} teams.
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
                <th scope="col">Score</th>
                {extra.map((m) => <th scope="col" key={m} className="wide-only">{m}</th>)}
                <th scope="col" className="wide-only">Submissions</th>
                <th scope="col" className="wide-only">Last improved</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => {
                const mine = team.data?.id === e.team_id;
                const scores = (e as { extra_scores?: Record<string, number> }).extra_scores ?? {};
                return (
                  <tr key={e.team_id} className={mine ? "mine" : undefined} data-testid="board-row" aria-current={mine ? "true" : undefined}>
                    <td>{e.rank}</td>
                    <td className="team-name">{e.team_name}{mine && <span className="badge mine-badge">your team</span>}</td>
                    <td data-testid="board-score">{formatScore(e.score)}</td>
                    {extra.map((m) => <td key={m} className="wide-only">{formatScore(scores[m])}</td>)}
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
      {team.data && c && <TeamHistory slug={slug} teamName={team.data.name} higherIsBetter={c.higher_is_better} />}
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
