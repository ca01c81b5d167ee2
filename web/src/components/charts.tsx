// Two small inline-SVG charts (no chart library: the bundle stays small).

export type Point = { t: number; y: number };

/** A step line: a team's best score over time. */
export function ScoreChart({ points, label }: { points: Point[]; label: string }) {
  if (points.length === 0) return <p className="muted">No scored submissions yet.</p>;
  const w = 320, h = 120, pad = 28;
  const t0 = points[0]!.t, t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const ys = points.map((p) => p.y);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const x = (t: number) => pad + ((t - t0) / (t1 - t0)) * (w - 2 * pad);
  const y = (v: number) => h - pad + 8 - ((v - y0) / (y1 - y0)) * (h - 2 * pad);
  let d = "";
  points.forEach((p, i) => {
    d += i === 0 ? `M${x(p.t)},${y(p.y)}` : `H${x(p.t)}V${y(p.y)}`;
  });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
        <line x1={pad} y1={h - pad + 8} x2={w - pad} y2={h - pad + 8} className="axis" />
        <path d={d} className="line" />
        {points.map((p, i) => (
          <circle key={i} cx={x(p.t)} cy={y(p.y)} r={3} className="dot">
            <title>{`${new Date(p.t).toLocaleString()}: ${p.y}`}</title>
          </circle>
        ))}
        <text x={2} y={y(y1) + 4} className="tick">{y1.toPrecision(3)}</text>
        <text x={2} y={y(y0) + 4} className="tick">{y0.toPrecision(3)}</text>
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
