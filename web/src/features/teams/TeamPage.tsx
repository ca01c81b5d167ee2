// Your team: create one, join one with an invite code, share the code, leave.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, call } from "@/api/client";
import { ApiError } from "@/api/problem";
import { keys, useMe, useMyTeam } from "@/api/queries";
import { ErrorNotice, Field, Loading } from "@/components/ui";

export function TeamPage({ slug }: { slug: string }) {
  const me = useMe();
  const team = useMyTeam(slug, !!me.data);
  const qc = useQueryClient();
  const path = { competition: slug };
  const refresh = () => qc.invalidateQueries({ queryKey: keys.myTeam(slug) });

  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/teams", { params: { path }, body: { name } })),
    onSuccess: refresh,
  });
  const join = useMutation({
    mutationFn: () =>
      call(api.POST("/api/v1/competitions/{competition}/teams/join", { params: { path }, body: { invite_code: code.trim() } })),
    onSuccess: refresh,
  });
  const leave = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/teams/mine/leave", { params: { path } })),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => call(api.POST("/api/v1/competitions/{competition}/teams/mine/invite-code", { params: { path } })),
    onSuccess: refresh,
  });

  if (!me.data) return <p><Link href="/login">Log in</Link> to create or join a team.</p>;
  if (team.isPending) return <Loading what="your team" />;
  if (team.error) return <ErrorNotice error={team.error} />;

  const t = team.data;
  if (t) {
    return (
      <section className="narrow">
        <h2>Team <span className="team-name">{t.name}</span></h2>
        <h3>Members</h3>
        <ul>
          {t.members.map((m) => (
            <li key={m}>{m}{m === me.data?.username ? " (you)" : ""}</li>
          ))}
        </ul>
        <h3>Invite someone</h3>
        <p>Share this invite code; whoever has it can join your team.</p>
        <p>
          <code className="invite" data-testid="invite-code">{t.invite_code}</code>{" "}
          <button type="button" className="secondary" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            New code
          </button>
        </p>
        <ErrorNotice error={rotate.error} />
        <h3>Leave</h3>
        <p className="muted">A team that has submitted cannot be left (its daily quota is shared).</p>
        <button type="button" className="danger" onClick={() => leave.mutate()} disabled={leave.isPending}>
          Leave the team
        </button>
        <ErrorNotice error={leave.error} />
      </section>
    );
  }

  const createErrors = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  return (
    <div className="grid two">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
        aria-label="Create a team"
      >
        <h2>Create a team</h2>
        <Field label="Team name" name="team-name" error={createErrors["name"]} hint="Unique in this competition.">
          {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />}
        </Field>
        {!createErrors["name"] && <ErrorNotice error={create.error} />}
        <button type="submit" disabled={create.isPending}>Create team</button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          join.mutate();
        }}
        aria-label="Join a team"
      >
        <h2>Join a team</h2>
        <Field label="Invite code" name="invite-code" hint="Ask a member of the team for it.">
          {(id, d) => <input id={id} aria-describedby={d} value={code} onChange={(e) => setCode(e.target.value)} required autoComplete="off" />}
        </Field>
        <ErrorNotice error={join.error} />
        <button type="submit" disabled={join.isPending}>Join team</button>
      </form>
    </div>
  );
}
