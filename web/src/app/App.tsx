// The shell: header, routes. Host and competition pages load on demand.
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Link, Route, Switch, useLocation } from "wouter";
import { storedToken, storeToken } from "@/api/auth";
import { api } from "@/api/client";
import { switchUser, useMe } from "@/api/queries";
import { Loading } from "@/components/ui";
import { LoginPage } from "@/features/auth/LoginPage";
import { SignupPage } from "@/features/auth/SignupPage";
import { CompetitionsList } from "@/features/competitions/CompetitionsList";
import { CompetitionLayout } from "./CompetitionLayout";

const CompetitionOverview = lazy(() => import("@/features/competitions/CompetitionOverview").then((m) => ({ default: m.CompetitionOverview })));
const LeaderboardPage = lazy(() => import("@/features/leaderboard/LeaderboardPage").then((m) => ({ default: m.LeaderboardPage })));
const TeamPage = lazy(() => import("@/features/teams/TeamPage").then((m) => ({ default: m.TeamPage })));
const SubmitPage = lazy(() => import("@/features/submissions/SubmitPage").then((m) => ({ default: m.SubmitPage })));
const MySubmissions = lazy(() => import("@/features/submissions/MySubmissions").then((m) => ({ default: m.MySubmissions })));
const SubmissionDetail = lazy(() => import("@/features/submissions/SubmissionDetail").then((m) => ({ default: m.SubmissionDetail })));
const HostConsole = lazy(() => import("@/features/host/HostConsole").then((m) => ({ default: m.HostConsole })));
const TokensPage = lazy(() => import("@/features/auth/TokensPage").then((m) => ({ default: m.TokensPage })));
const NewCompetitionPage = lazy(() => import("@/features/host/CompetitionForm").then((m) => ({ default: m.NewCompetitionPage })));

function Header() {
  const me = useMe();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  async function logout() {
    // a pasted token is only forgotten; a session is ended on the server too
    if (storedToken()) storeToken(null);
    else await api.POST("/api/v1/auth/logout").catch(() => undefined);
    switchUser(qc, null);
    navigate("/");
  }
  return (
    <header className="top">
      <Link href="/" className="brand">Holdout</Link>
      <nav aria-label="Main">
        <Link href="/">Competitions</Link>
        {me.data ? (
          <>
            <Link href="/account/tokens">Tokens</Link>
            <span className="muted" data-testid="whoami">{me.data.username}</span>
            <button type="button" className="link" onClick={logout}>Log out</button>
          </>
        ) : (
          <>
            <Link href="/login">Log in</Link>
            <Link href="/signup">Sign up</Link>
          </>
        )}
      </nav>
    </header>
  );
}

const inComp = (Page: React.ComponentType<{ slug: string }>) =>
  function Wrapped({ params }: { params: { slug: string } }) {
    return (
      <CompetitionLayout slug={params.slug}>
        <Page slug={params.slug} />
      </CompetitionLayout>
    );
  };

const Overview = inComp(CompetitionOverview);
const Board = inComp(LeaderboardPage);
const Team = inComp(TeamPage);
const Submit = inComp(SubmitPage);
const Submissions = inComp(MySubmissions);
const Host = inComp(HostConsole);

export function App() {
  return (
    <>
      <a href="#main" className="skip">Skip to content</a>
      <Header />
      <main id="main">
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/" component={CompetitionsList} />
            <Route path="/login" component={LoginPage} />
            <Route path="/signup" component={SignupPage} />
            <Route path="/account/tokens" component={TokensPage} />
            <Route path="/host/new" component={NewCompetitionPage} />
            <Route path="/c/:slug" component={Overview} />
            <Route path="/c/:slug/leaderboard" component={Board} />
            <Route path="/c/:slug/team" component={Team} />
            <Route path="/c/:slug/submit" component={Submit} />
            <Route path="/c/:slug/submissions" component={Submissions} />
            <Route path="/c/:slug/submissions/:id">
              {(p: { slug: string; id: string }) => (
                <CompetitionLayout slug={p.slug}>
                  <SubmissionDetail slug={p.slug} id={p.id} />
                </CompetitionLayout>
              )}
            </Route>
            <Route path="/c/:slug/host" component={Host} />
            <Route>
              <h1>Not found</h1>
              <p>There is no page here. <Link href="/">See the competitions</Link>.</p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}
