// The host's changes of a competition's runtime or its pinned version, as participants see
// them: when, from which runtime and version to which, and the host's reason (plain text).
import { useRuntimeChanges } from "@/api/queries";
import { ErrorNotice, formatDate, shortDigest } from "@/components/ui";

export function RuntimeChanges({ slug }: { slug: string }) {
  const changes = useRuntimeChanges(slug);
  const items = changes.data?.items ?? [];
  if (changes.error) return <ErrorNotice error={changes.error} />;
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="runtime-changes">
      <h2 id="runtime-changes">Runtime changes</h2>
      <ul className="runtime-changes">
        {items.map((ch) => (
          <li key={ch.id} data-testid="runtime-change">
            <time dateTime={ch.changed_at}>{formatDate(ch.changed_at)}</time>:{" "}
            <code>{ch.from_runtime}</code> <code>{shortDigest(ch.from_digest)}</code> →{" "}
            <code>{ch.to_runtime}</code> <code>{shortDigest(ch.to_digest)}</code>{" "}
            <span className="muted">by {ch.changed_by_username}</span>
            {ch.reason && <p className="runtime-reason">{ch.reason}</p>}
          </li>
        ))}
      </ul>
      {(changes.data?.total ?? 0) > items.length && <p className="muted">The newest {items.length} of {changes.data?.total} changes.</p>}
    </section>
  );
}
