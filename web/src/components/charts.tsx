// Two small inline-SVG charts (no chart library: the bundle stays small).

export type Point = { t: number; y: number };

type Scored = { status: string; is_smoke: boolean; public_score: number | null; created_at: string };

/** The points where a team's best public score improved, oldest first. */
export function bestOverTime(subs: Scored[], higherIsBetter: boolean): Point[] {
  const scored = subs
    .filter((s) => s.status === "scored" && !s.is_smoke && s.public_score !== null)
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  const out: Point[] = [];
  let best: number | null = null;
  for (const s of scored) {
    const v = s.public_score as number;
    if (best === null || (higherIsBetter ? v > best : v < best)) {
      best = v;
      out.push({ t: new Date(s.created_at).getTime(), y: v });
    }
  }
  return out;
}

/** A step line: a team's best score over time. */
export function ScoreChart({ points, label }: { points: Point[]; label: string }) {
  if (points.length === 0) return <p className="muted">No scored submissions yet.</p>;
  const w = 320, h = 120, margin = 28;
  // the line runs on to now: the best score still stands
  const t0 = points[0]!.t, t1 = Math.max(Date.now(), points[points.length - 1]!.t + 60_000);
  const ys = points.map((p) => p.y);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = Math.max((y1 - y0) * 0.1, Math.abs(y1) * 0.02, 1e-3);
  y0 -= pad; y1 += pad;
  const left = 44;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (w - left - margin);
  const y = (v: number) => h - margin + 8 - ((v - y0) / (y1 - y0)) * (h - 2 * margin);
  let d = "";
  points.forEach((p, i) => {
    d += i === 0 ? `M${x(p.t)},${y(p.y)}` : `H${x(p.t)}V${y(p.y)}`;
  });
  d += `H${x(t1)}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
        <line x1={left} y1={h - margin + 8} x2={w - margin} y2={h - margin + 8} className="axis" />
        <path d={d} className="line" />
        {points.map((p, i) => (
          <circle key={i} cx={x(p.t)} cy={y(p.y)} r={3} className="dot">
            <title>{`${new Date(p.t).toLocaleString()}: ${p.y}`}</title>
          </circle>
        ))}
        <text x={2} y={y(Math.max(...ys)) + 4} className="tick">{Math.max(...ys).toPrecision(3)}</text>
        {ys.length > 1 && <text x={2} y={y(Math.min(...ys)) + 4} className="tick">{Math.min(...ys).toPrecision(3)}</text>}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export type DayBar = { day: string; counts: Record<string, number> };
const OUTCOME_CLASS: Record<string, string> = { scored: "ok", failed: "bad", cancelled: "muted", pending: "wait" };

/** Stacked bars: submissions per day by outcome. */
export function DayBars({ days, label }: { days: DayBar[]; label: string }) {
  if (days.length === 0) return <p className="muted">No submissions yet.</p>;
  const w = Math.max(320, days.length * 28 + 40), h = 140, base = 110;
  const max = Math.max(...days.map((d) => Object.values(d.counts).reduce((a, b) => a + b, 0)), 1);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
        {days.map((d, i) => {
          let top = base;
          return (
            <g key={d.day} transform={`translate(${30 + i * 28},0)`}>
              {Object.entries(d.counts).map(([k, n]) => {
                const bh = (n / max) * 90;
                top -= bh;
                return (
                  <rect key={k} x={0} y={top} width={20} height={bh} className={`bar ${OUTCOME_CLASS[k] ?? ""}`}>
                    <title>{`${d.day}: ${n} ${k}`}</title>
                  </rect>
                );
              })}
              <text x={10} y={base + 14} className="tick" textAnchor="middle">{d.day.slice(5)}</text>
            </g>
          );
        })}
        <text x={2} y={24} className="tick">{max}</text>
      </svg>
      <figcaption>
        {label}: <span className="key ok">scored</span> <span className="key bad">failed</span>{" "}
        <span className="key wait">pending</span> <span className="key muted">cancelled</span>
      </figcaption>
    </figure>
  );
}
