// Every competition, open ones first.
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, call } from "@/api/client";
import { keys, useMe } from "@/api/queries";
import { ErrorNotice, Loading, RelativeTime } from "@/components/ui";

export function CompetitionsList() {
  const me = useMe();
  const list = useQuery({
    queryKey: keys.competitions,
    queryFn: () => call(api.GET("/api/v1/competitions", { params: { query: { limit: 200 } } })),
  });
  if (list.isPending) return <Loading what="competitions" />;
  if (list.error) return <ErrorNotice error={list.error} />;
  const items = [...list.data.items].sort((a, b) => Number(b.is_open) - Number(a.is_open));
  return (
    <section>
      <div className="row spread">
        <h1>Competitions</h1>
        {me.data?.is_host && <Link href="/host/new" className="button">New competition</Link>}
      </div>
      {items.length === 0 && <p>No competitions yet.</p>}
      <ul className="cards">
        {items.map((c) => (
          <li key={c.id} className="card">
            <h2>
              <Link href={`/c/${c.slug}`}>{c.title}</Link>
            </h2>
            <p className="muted">
              {c.is_open ? <span className="badge ok">open</span> : <span className="badge">closed</span>}{" "}
              Metric {c.metric} ({c.higher_is_better ? "higher is better" : "lower is better"})
              {c.closes_at && (
                <>
                  {" "}· closes <RelativeTime iso={c.closes_at} />
                </>
              )}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
