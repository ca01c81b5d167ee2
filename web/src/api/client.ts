// The one API client: openapi-fetch typed by the generated schema (schema.d.ts).
import createClient, { type Middleware } from "openapi-fetch";
import { authHeaders } from "./auth";
import { ApiError } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const auth: Middleware = {
  onRequest({ request }) {
    for (const [k, v] of Object.entries(authHeaders(request.method))) request.headers.set(k, v);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(auth);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful answer, or an ApiError that says what went wrong. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await request;
  } catch {
    throw new ApiError(0, null);
  }
  if (!result.response.ok) throw new ApiError(result.response.status, result.error);
  return result.data as T;
}

/** Fill a documented path template; the template must exist in the schema. */
export function pathOf<P extends keyof paths & string>(template: P, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}
