// Your team's submissions: live status, reasons, scores, cancel, final selection.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "wouter";
import { api, call } from "@/api/client";
import { keys, useCompetition, useMe, useMyTeam } from "@/api/queries";
import { bestOverTime, ScoreChart } from "@/components/charts";
import { ErrorNotice, formatDate, formatScore, Loading } from "@/components/ui";
import { reasonText, ResourcesLine, StageCell, StatusBadge, TERMINAL } from "./shared";

export function MySubmissions({ slug }: { slug: string }) {
  const me = useMe();
  const comp = useCompetition(slug);
  const team = useMyTeam(slug, !!me.data);
  const qc = useQueryClient();
  const path = { competition: slug };
  const list = useQuery({
    queryKey: keys.submissions(slug),
    enabled: !!team.data,
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/submissions", { params: { path, query: { limit: 200 } } })),
    // poll while anything is still on its way; stop once every run has ended
    refetchInterval: (q) => (q.state.data?.items.some((s) => !TERMINAL.has(s.status)) ? 1000 : false),
  });
  const finals = useQuery({
    queryKey: ["competition", slug, "finals"],
    enabled: !!team.data,
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}/teams/mine/final-submissions", { params: { path } })),
  });
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    if (finals.data) setChosen(finals.data.submission_ids);
  }, [finals.data]);
  const saveFinals = useMutation({
    mutationFn: (ids: string[]) =>
      call(api.PUT("/api/v1/competitions/{competition}/teams/mine/final-submissions", { params: { path }, body: { submission_ids: ids } })),
    onSuccess: (data) => qc.setQueryData(["competition", slug, "finals"], data),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => call(api.POST("/api/v1/submissions/{submission_id}/cancel", { params: { path: { submission_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.submissions(slug) }),
  });

  if (!me.data) return <p><Link href="/login">Log in</Link> to see your submissions.</p>;
  if (team.isPending) return <Loading what="your team" />;
  if (!team.data) return <p>You have no team yet: <Link href={`/c/${slug}/team`}>create or join one</Link>.</p>;
  if (list.isPending) return <Loading what="your submissions" />;
  if (list.error) return <ErrorNotice error={list.error} />;

  const items = list.data.items;
  const max = comp.data?.final_count ?? 2;
  const toggle = (id: string) =>
    setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length < max ? [...c, id] : c));
  return (
    <section>
      <h2>Submissions of <span className="team-name">{team.data.name}</span></h2>
      {items.length === 0 && <p>None yet. <Link href={`/c/${slug}/submit`}>Submit one</Link>.</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Final</th>
              <th scope="col">Sent</th>
              <th scope="col">Stage</th>
              <th scope="col">Status</th>
              <th scope="col">Public score</th>
              <th scope="col">Details</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-testid="submission-row">
                <td>
                  {s.status === "scored" && !s.is_smoke && (
                    <input
                      type="checkbox"
                      aria-label={`Final: submission of ${formatDate(s.created_at)}`}
                      checked={chosen.includes(s.id)}
                      onChange={() => toggle(s.id)}
                      disabled={!chosen.includes(s.id) && chosen.length >= max}
                    />
                  )}
                </td>
                <td>{formatDate(s.created_at)}</td>
                <td><StageCell s={s} /></td>
                <td><StatusBadge s={s} /></td>
                <td data-testid="score">{formatScore(s.public_score)}</td>
                <td>
                  {s.failure_reason && <div className="error" data-testid="reason">{reasonText(s.failure_reason)}</div>}
                  {s.detail && <div className="detail">{s.detail}</div>}
                  <ResourcesLine s={s} />
                </td>
                <td>
                  <Link href={`/c/${slug}/submissions/${s.id}`}>Log</Link>{" "}
                  {!TERMINAL.has(s.status) && (
                    <button type="button" className="secondary small" onClick={() => cancel.mutate(s.id)}>Cancel</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNotice error={cancel.error} />
      <h3>Final submissions</h3>
      <p className="muted">
        Choose up to {max} scored submissions for the private board; with none chosen, your best {max} public scores count.
        {finals.data?.default ? " (Now: the default.)" : ""}
      </p>
      <button type="button" onClick={() => saveFinals.mutate(chosen)} disabled={saveFinals.isPending}>
        Save final selection ({chosen.length} of {max})
      </button>
      {saveFinals.isSuccess && <span role="status" className="ok-text"> Saved.</span>}
      <ErrorNotice error={saveFinals.error} />
      <h3>Best public score over time</h3>
      <ScoreChart points={bestOverTime(items, comp.data?.higher_is_better ?? true)} label={`Best score of ${team.data.name}`} />
    </section>
  );
}
