// RFC 9457 problems from the API, turned into sentences a person can act on.

export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string }[];
  [extra: string]: unknown;
};

// domain problems that concern one form field (the API names the code, not the field)
const FIELD_OF_CODE: Record<string, string> = {
  "unknown-metric": "metric",
  "invalid-extra-metrics": "extra_metrics",
  "slug-taken": "slug",
  "username-taken": "username",
  "email-taken": "email",
  "signup-domain-not-allowed": "email",
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, body: unknown) {
    const problem: Problem = typeof body === "object" && body !== null ? (body as Problem) : {};
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem;
  }

  get code(): string {
    return (this.problem.type ?? "").split("/").pop() ?? "";
  }

  /** Field name -> message, for the form fields the problem is about. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const loc = e.loc.filter((p) => p !== "body" && p !== "query" && p !== "path");
      const name = loc.map(String).join(".");
      if (name && !out[name]) out[name] = e.msg.replace(/^Value error, /, "");
    }
    const field = FIELD_OF_CODE[this.code];
    if (field && this.problem.detail) out[field] = this.problem.detail;
    return out;
  }
}

function describeProblem(status: number, p: Problem): string {
  if (p.detail) return sentence(p.detail);
  if (status === 0) return "Holdout could not be reached; check your connection and try again.";
  if (status === 401) return "You need to log in first.";
  if (status === 403) return "You are not allowed to do this.";
  if (status === 404) return "Not found.";
  if (status >= 500) return "Holdout had a problem answering; try again in a moment.";
  return p.title ? sentence(p.title) : `The request failed (HTTP ${status}).`;
}

function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : s + ".";
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
