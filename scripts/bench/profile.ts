/**
 * Summarises an ONNX Runtime profile (the Chrome-trace JSON that sessionOptions.enableProfiling
 * writes) into time per operator type.
 */

export interface OpRow {
  op: string;
  /** Total kernel time over the whole profile, ms. */
  totalMs: number;
  /** Per model run, ms. */
  perRunMs: number;
  calls: number;
  /** Share of all kernel time in this graph. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  modelRuns: number;
  /** Median model_run duration, ms. */
  runMedianMs: number;
  kernelTotalMs: number;
  ops: OpRow[];
  /** The slowest single nodes (name → ms per run), for finding the one MatMul that matters. */
  topNodes: Array<{ node: string; op: string; perRunMs: number }>;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

export function summariseProfile(events: unknown[], file: string): ProfileSummary {
  const ev = events as TraceEvent[];
  const runs = ev.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => (e.dur ?? 0) / 1000);
  const modelRuns = Math.max(1, runs.length);
  const byOp = new Map<string, { us: number; calls: number }>();
  const byNode = new Map<string, { us: number; op: string }>();
  let total = 0;
  for (const e of ev) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    const us = e.dur ?? 0;
    total += us;
    const o = byOp.get(op) ?? { us: 0, calls: 0 };
    o.us += us;
    o.calls++;
    byOp.set(op, o);
    const node = e.name.slice(0, -'_kernel_time'.length);
    const n = byNode.get(node) ?? { us: 0, op };
    n.us += us;
    byNode.set(node, n);
  }
  const ops = [...byOp.entries()]
    .map(([op, o]) => ({ op, totalMs: o.us / 1000, perRunMs: o.us / 1000 / modelRuns, calls: o.calls, share: total > 0 ? o.us / total : 0 }))
    .sort((a, b) => b.totalMs - a.totalMs);
  const topNodes = [...byNode.entries()]
    .map(([node, n]) => ({ node, op: n.op, perRunMs: n.us / 1000 / modelRuns }))
    .sort((a, b) => b.perRunMs - a.perRunMs)
    .slice(0, 10);
  const sorted = [...runs].sort((a, b) => a - b);
  const runMedianMs = sorted.length ? sorted[sorted.length >> 1] : 0;
  return { file, modelRuns: runs.length, runMedianMs, kernelTotalMs: total / 1000, ops, topNodes };
}
