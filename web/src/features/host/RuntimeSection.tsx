// The host changes or re-pins the competition's runtime: recorded, with the reason,
// and listed to participants on the competition's page.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, call, type Schemas } from "@/api/client";
import { keys } from "@/api/queries";
import { ErrorNotice, Field, shortDigest } from "@/components/ui";

export function RuntimeSection({ c }: { c: Schemas["CompetitionRead"] }) {
  const qc = useQueryClient();
  const [runtime, setRuntime] = useState(c.runtime);
  const [reason, setReason] = useState("");
  const pin = useMutation({
    mutationFn: () =>
      call(
        api.PUT("/api/v1/competitions/{competition}/runtime", {
          params: { path: { competition: c.slug } },
          body: { runtime: runtime.trim(), reason: reason.trim() },
        }),
      ),
    onSuccess: (updated) => {
      qc.setQueryData(keys.competition(c.slug), updated);
      void qc.invalidateQueries({ queryKey: keys.runtimeChanges(c.slug) });
      setReason("");
    },
  });
  return (
    <section>
      <h2>Runtime</h2>
      <p data-testid="host-pinned-runtime">
        Runs use <code>{c.runtime}</code> pinned to <code title={c.runtime_digest ?? undefined}>{shortDigest(c.runtime_digest)}</code>.
        Pinning again takes the runtime's lock as it is now; participants see every change.
      </p>
      <form
        aria-label="Pin the runtime"
        onSubmit={(e) => {
          e.preventDefault();
          pin.mutate();
        }}
      >
        <Field label="Runtime" name="pin-runtime" hint="A runtime the platform lists (GET /api/v1/runtimes).">
          {(id, d) => <input id={id} name="pin-runtime" aria-describedby={d} value={runtime} onChange={(e) => setRuntime(e.target.value)} />}
        </Field>
        <Field label="Reason (shown to participants)" name="pin-reason">
          {(id, d) => <textarea id={id} name="pin-reason" aria-describedby={d} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <ErrorNotice error={pin.error} />
        {pin.isSuccess && <p role="status" className="ok-text">Pinned to {shortDigest(pin.data.runtime_digest)}.</p>}
        <button type="submit" disabled={pin.isPending}>Pin the runtime</button>
      </form>
    </section>
  );
}
