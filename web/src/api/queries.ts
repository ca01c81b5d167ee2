// Server state more than one feature reads: who is signed in, a competition, your team.
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { mayBeSignedIn } from "./auth";
import { api, call, type Schemas } from "./client";
import { ApiError } from "./problem";

export const keys = {
  me: ["me"] as const,
  competitions: ["competitions"] as const,
  competition: (slug: string) => ["competition", slug] as const,
  myTeam: (slug: string) => ["competition", slug, "team"] as const,
  runtimeChanges: (slug: string) => ["competition", slug, "runtime-changes"] as const,
  quota: (slug: string) => ["competition", slug, "quota"] as const,
  submissions: (slug: string) => ["competition", slug, "submissions"] as const,
  board: (slug: string, board: string, stage: number, offset: number) =>
    ["competition", slug, "board", board, stage, offset] as const,
};

export function useMe() {
  return useQuery({
    queryKey: keys.me,
    enabled: mayBeSignedIn(),
    retry: false,
    staleTime: 60_000,
    queryFn: async () => {
      try {
        return await call(api.GET("/api/v1/users/me"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null; // an expired session: a visitor
        throw e;
      }
    },
  });
}

export function useCompetition(slug: string) {
  return useQuery({
    queryKey: keys.competition(slug),
    queryFn: () => call(api.GET("/api/v1/competitions/{competition}", { params: { path: { competition: slug } } })),
  });
}

/** Every change of a competition's runtime or its pinned version, newest first. */
export function useRuntimeChanges(slug: string) {
  return useQuery({
    queryKey: keys.runtimeChanges(slug),
    queryFn: () =>
      call(
        api.GET("/api/v1/competitions/{competition}/runtime/changes", {
          params: { path: { competition: slug }, query: { limit: 50 } },
        }),
      ),
  });
}

/** Your team in a competition; null when you have none (404). */
export function useMyTeam(slug: string, enabled = true) {
  return useQuery({
    queryKey: keys.myTeam(slug),
    enabled: enabled && mayBeSignedIn(),
    retry: false,
    queryFn: async () => {
      try {
        return await call(api.GET("/api/v1/competitions/{competition}/teams/mine", { params: { path: { competition: slug } } }));
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 401)) return null;
        throw e;
      }
    },
  });
}

/** After logging in or out: the new identity, and nothing cached from the previous one. */
export function switchUser(qc: QueryClient, me: Schemas["UserRead"] | null): void {
  qc.setQueryData(keys.me, me);
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" });
}
