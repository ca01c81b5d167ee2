// A competition's stages as the web app reads them: the summaries on CompetitionRead
// (`stages`, `current_stage`), the host's stage list and its upload routes, and each
// stage's state (upcoming, open, closed) at a given moment.
import { useQuery } from "@tanstack/react-query";
import { api, call, pathOf, type Schemas } from "./client";

export type StageSummary = Schemas["StageSummary"];
export type StageDetail = Schemas["StageRead"];
export type StageCreate = Schemas["StageCreate"];
export type Feed = NonNullable<StageSummary["feed"]>;
export type StageState = "upcoming" | "open" | "closed";

type Competition = Schemas["CompetitionRead"];

/** The competition's stages in order. */
export function stagesOf(c: Competition): StageSummary[] {
  return [...c.stages].sort((a, b) => a.position - b.position);
}

/** The stage open now (it may be evaluation-only), or null between stages. */
export function currentStage(c: Competition): StageSummary | null {
  return c.current_stage === null ? null : (c.stages.find((s) => s.position === c.current_stage) ?? null);
}

/** By the stage's schedule, at `now`. */
export function stageState(s: StageSummary, now: number = Date.now()): StageState {
  if (s.opens_at && now < new Date(s.opens_at).getTime()) return "upcoming";
  if (s.closes_at && now >= new Date(s.closes_at).getTime()) return "closed";
  return "open";
}

/** The next stage to open after `now`, if any. */
export function nextStage(c: Competition, now: number = Date.now()): StageSummary | null {
  return stagesOf(c).find((s) => stageState(s, now) === "upcoming") ?? null;
}

/** "re-runs the finals of stage 1" and the like; null for a stage without a feed. */
export function feedText(s: StageSummary): string | null {
  if (!s.feed || s.position < 2) return null;
  const what = s.feed === "finals" ? "the finals" : "every successful submission";
  return `re-runs ${what} of stage ${s.position - 1}`;
}

/** A stage's upload routes (stage 1's are also the competition's own). */
export function stageUploadUrl(
  slug: string,
  position: number,
  what: "data" | "labels" | "smoke-data" | "smoke-labels",
  filename = "",
): string {
  const p = { competition: slug, position: String(position), filename };
  if (what === "data") return pathOf("/api/v1/competitions/{competition}/stages/{position}/data/{filename}", p);
  if (what === "labels") return pathOf("/api/v1/competitions/{competition}/stages/{position}/labels", p);
  if (what === "smoke-data") return pathOf("/api/v1/competitions/{competition}/stages/{position}/smoke/data/{filename}", p);
  return pathOf("/api/v1/competitions/{competition}/stages/{position}/smoke/labels", p);
}

export const stageKeys = { list: (slug: string) => ["competition", slug, "stages"] as const };

/** Every stage with its data (the host's view). */
export function useStages(slug: string, enabled = true) {
  return useQuery({
    queryKey: stageKeys.list(slug),
    enabled,
    queryFn: async () => {
      const page = await call(
        api.GET("/api/v1/competitions/{competition}/stages", { params: { path: { competition: slug }, query: { limit: 100 } } }),
      );
      return page.items;
    },
  });
}

export function createStage(slug: string, body: StageCreate): Promise<StageDetail> {
  return call(api.POST("/api/v1/competitions/{competition}/stages", { params: { path: { competition: slug } }, body }));
}
