// The frame of every competition page: title, schedule line and the tabs.
import type { ReactNode } from "react";
import { Link, useLocation, useRoute } from "wouter";
import { useCompetition, useMe } from "@/api/queries";
import { ErrorNotice, Loading, RelativeTime } from "@/components/ui";

export function CompetitionLayout({ slug, children }: { slug: string; children: ReactNode }) {
  const comp = useCompetition(slug);
  const me = useMe();
  if (comp.isPending) return <Loading what="the competition" />;
  if (comp.error) return <ErrorNotice error={comp.error} />;
  const c = comp.data;
  const isHost = !!me.data && (me.data.id === c.host_id || me.data.is_admin);
  const tabs: [string, string][] = [
    ["", "Overview"],
    ["/leaderboard", "Leaderboard"],
    ["/team", "Team"],
    ["/submit", "Submit"],
    ["/submissions", "My submissions"],
  ];
  if (isHost) tabs.push(["/host", "Host console"]);
  return (
    <article>
      <header className="comp-head">
        <h1>{c.title}</h1>
        <p className="muted">
          {c.is_open ? <span className="badge ok">open</span> : <span className="badge">closed</span>}{" "}
          {c.closes_at ? (
            <>
              closes <RelativeTime iso={c.closes_at} />
            </>
          ) : (
            "no closing date"
          )}
        </p>
        <nav className="tabs" aria-label="Competition">
          {tabs.map(([sub, label]) => (
            <Tab key={sub} href={`/c/${slug}${sub}`} label={label} />
          ))}
        </nav>
      </header>
      {children}
    </article>
  );
}

function Tab({ href, label }: { href: string; label: string }) {
  const [exact] = useRoute(href);
  const [location] = useLocation();
  // a submission's own page still sits under "My submissions"
  const active = exact || (href.endsWith("/submissions") && location.startsWith(href + "/"));
  return (
    <Link href={href} className={active ? "tab active" : "tab"} aria-current={active ? "page" : undefined}>
      {label}
    </Link>
  );
}
