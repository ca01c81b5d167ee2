// A competition's stages as the web app reads them: the summaries on CompetitionRead
// (`stages`, `current_stage`), the host's stage list and its upload routes, and each
// stage's state (upcoming, open, closed) at a given moment.
import { useQuery } from "@tanstack/react-query";
import { authHeaders } from "./auth";
import type { Schemas } from "./client";
import { ApiError } from "./problem";

export type Feed = "finals" | "all";

/** What every stage tells: the competition's `stages` and `current_stage` carry these. */
export type StageSummary = {
  position: number;
  name: string;
  opens_at: string | null;
  closes_at: string | null;
  accepts_submissions: boolean;
  feed: Feed | null;
};

/** A stage as the host's `GET .../stages` lists it: its summary and its data. */
export type StageDetail = StageSummary & {
  id?: string;
  data_version?: number;
  labels_version?: number | null;
  smoke_data_version?: number;
  smoke_labels_version?: number | null;
  data_files?: Schemas["DataFileRead"][];
  smoke_data_files?: Schemas["DataFileRead"][];
};

export type StageCreate = {
  name: string;
  opens_at: string | null;
  closes_at: string | null;
  accepts_submissions: boolean;
  feed: Feed | null;
};

export type StageState = "upcoming" | "open" | "closed";

// `current_stage`: the position of the stage open now (maybe evaluation-only), or null
type WithStages = { stages?: StageSummary[]; current_stage?: number | null };

/** The competition's stages in order; a competition read without them is one stage. */
export function stagesOf(c: Schemas["CompetitionRead"]): StageSummary[] {
  const listed = (c as WithStages).stages;
  if (listed && listed.length > 0) return [...listed].sort((a, b) => a.position - b.position);
  return [{ position: 1, name: "Stage 1", opens_at: c.opens_at, closes_at: c.closes_at, accepts_submissions: true, feed: null }];
}

/** The stage open now (the API's word when it gives one), or null between stages. */
export function currentStage(c: Schemas["CompetitionRead"], now: number = Date.now()): StageSummary | null {
  const given = (c as WithStages).current_stage;
  if (given !== undefined) return given === null ? null : (stagesOf(c).find((s) => s.position === given) ?? null);
  return stagesOf(c).find((s) => stageState(s, now) === "open") ?? null;
}

export function stageState(s: StageSummary, now: number = Date.now()): StageState {
  if (s.opens_at && now < new Date(s.opens_at).getTime()) return "upcoming";
  if (s.closes_at && now >= new Date(s.closes_at).getTime()) return "closed";
  return "open";
}

/** The next stage to open after `now`, if any. */
export function nextStage(c: Schemas["CompetitionRead"], now: number = Date.now()): StageSummary | null {
  return stagesOf(c).find((s) => stageState(s, now) === "upcoming") ?? null;
}

/** "re-runs the finals of stage 1" and the like; null for a stage without a feed. */
export function feedText(s: StageSummary): string | null {
  if (!s.feed || s.position < 2) return null;
  const what = s.feed === "finals" ? "the finals" : "every successful submission";
  return `re-runs ${what} of stage ${s.position - 1}`;
}

const stagesPath = (slug: string) => `/api/v1/competitions/${encodeURIComponent(slug)}/stages`;

/** A stage's upload routes (stage 1's are the competition's own). */
export function stageUploadUrl(
  slug: string,
  position: number,
  what: "data" | "labels" | "smoke-data" | "smoke-labels",
  filename = "",
): string {
  const base = `${stagesPath(slug)}/${position}`;
  const file = encodeURIComponent(filename);
  if (what === "data") return `${base}/data/${file}`;
  if (what === "labels") return `${base}/labels`;
  if (what === "smoke-data") return `${base}/smoke/data/${file}`;
  return `${base}/smoke/labels`;
}

async function send<T>(method: "GET" | "POST", url: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { ...authHeaders(method), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed as T;
}

export const stageKeys = { list: (slug: string) => ["competition", slug, "stages"] as const };

/** Every stage with its data (the host's view); a list page or a bare list. */
export function useStages(slug: string, enabled = true) {
  return useQuery({
    queryKey: stageKeys.list(slug),
    enabled,
    queryFn: async () => {
      const page = await send<StageDetail[] | { items: StageDetail[] }>("GET", `${stagesPath(slug)}?limit=100`);
      return Array.isArray(page) ? page : page.items;
    },
  });
}

export function createStage(slug: string, body: StageCreate): Promise<StageDetail> {
  return send<StageDetail>("POST", stagesPath(slug), body);
}
