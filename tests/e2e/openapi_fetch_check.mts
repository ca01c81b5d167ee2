import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const [url, token, competition, zipPath] = process.argv.slice(2);
const anonymous = createClient<paths>({ baseUrl: url });
const board = await anonymous.GET("/api/v1/competitions/{competition}/leaderboard", {
  params: { path: { competition } },
});
const participant = createClient<paths>({ baseUrl: url, headers: { Authorization: `Bearer ${token}` } });
const zip = new Blob([readFileSync(zipPath)]);
const queued = await participant.POST("/api/v1/competitions/{competition}/submissions", {
  params: { path: { competition }, query: { smoke: false } },
  body: zip as unknown as string,
  bodySerializer: (body) => body as unknown as BodyInit,
  headers: { "Content-Type": "application/octet-stream" },
});
const id: string | undefined = queued.data?.id;
console.log(JSON.stringify({ board: board.data?.entries ?? null, status: queued.response.status, id, error: queued.error?.code ?? null }));
