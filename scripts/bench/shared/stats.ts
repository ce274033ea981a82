/** Small statistics helpers shared by the runners and the report. */
import { yieldToEventLoop } from '../../../src/engine/pipeline/progress';

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const min = (xs: number[]): number => Math.min(...xs);
export const max = (xs: number[]): number => Math.max(...xs);
export const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

/** Median delay of a chain of the engine's own per-iteration yields (pipeline/progress.ts). */
export async function measureYield(n = 30): Promise<number> {
  const delays: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await yieldToEventLoop();
    delays.push(performance.now() - t);
  }
  return median(delays.slice(5));
}
