import { useEffect, useRef, useState } from 'react';
import { buttonClass } from '../components/ui';
import { useStudio } from '../store/studio';
import { drawImage } from './canvas/draw';
import { acceptStaged, discardStaged, nextVariation } from './commands';
import type { Staged } from './store';

/** The right inset (percent of the original's width) that shows it only left of the split at `split`% of the result. */
function beforeInset(split: number, resultWidth: number, offsetX: number, beforeWidth: number): number {
  const visible = (split / 100) * resultWidth - offsetX;
  return Math.min(100, Math.max(0, 100 - (100 * visible) / beforeWidth));
}

const MODE_LABEL = { inpaint: 'Inpainted', outpaint: 'Extended', text: 'Edited by text' } as const;

/**
 * A finished edit, staged: the result with a before/after compare (a slider, or hold the
 * button / the C key to see the original), and Accept / Discard / Next variation.
 */
export function StagedResult({ staged }: { staged: Staged }) {
  const afterRef = useRef<HTMLCanvasElement>(null);
  const beforeRef = useRef<HTMLCanvasElement>(null);
  const [split, setSplit] = useState(50);
  const [holding, setHolding] = useState(false);
  const busy = useStudio((s) => s.job !== undefined && s.queued !== undefined);
  const running = useStudio((s) => s.job?.kind === 'edit');
  const { result, sent, offset } = staged;
  const before = sent.photo.image;

  useEffect(() => {
    if (afterRef.current) drawImage(afterRef.current, result);
    if (beforeRef.current) drawImage(beforeRef.current, before);
  }, [result, before]);

  // Holding C shows the original, like the button.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if ((e.key === 'c' || e.key === 'C') && !e.repeat && !e.ctrlKey && !e.metaKey && !(e.target as HTMLElement)?.closest?.('input,textarea,select')) setHolding(true);
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === 'c' || e.key === 'C') setHolding(false);
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  const shown = holding ? 100 : split;
  const pct = (n: number, of: number) => `${(100 * n) / of}%`;
  const seed = sent.params.seed;
  return (
    <section aria-label="Edit result" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <h3 className="font-medium text-zinc-100">
          {MODE_LABEL[sent.mode]} · seed <span className="font-mono">{seed}</span>
        </h3>
        <p className="text-xs text-zinc-400">
          {result.width}×{result.height} px · {sent.mode === 'text'
            ? `${(staged.changedFraction * 100).toFixed(1)}% of pixels changed, the rest is your photo`
            : `${(staged.changedFraction * 100).toFixed(1)}% of pixels could change`}
          {' · '}
          {staged.windows.length} window{staged.windows.length === 1 ? '' : 's'} · {(staged.ms / 1000).toFixed(1)} s on {staged.backend === 'webgpu' ? 'WebGPU' : 'WASM'}
        </p>
      </div>
      <div className="flex justify-center rounded-md border border-zinc-800 bg-zinc-950 p-2">
        <div
          className="relative max-h-[60vh] w-full"
          style={{ aspectRatio: `${result.width} / ${result.height}`, maxWidth: `min(100%, calc(60vh * ${result.width / result.height}))` }}
        >
          <canvas ref={afterRef} role="img" aria-label="Edited result" data-testid="edit-result" className="absolute inset-0 h-full w-full" />
          <canvas
            ref={beforeRef}
            role="img"
            aria-label="Original image"
            className="absolute"
            style={{
              left: pct(offset.x, result.width),
              top: pct(offset.y, result.height),
              width: pct(before.width, result.width),
              height: pct(before.height, result.height),
              // Shows the original left of the split line (measured across the result).
              clipPath: `inset(0 ${beforeInset(shown, result.width, offset.x, before.width)}% 0 0)`,
            }}
          />
          <div aria-hidden className="pointer-events-none absolute inset-y-0 w-px bg-white/80 shadow" style={{ left: `${shown}%` }} />
          <span aria-hidden className="pointer-events-none absolute left-2 top-2 rounded bg-black/60 px-1.5 py-0.5 text-[11px] text-zinc-200">
            before
          </span>
          <span aria-hidden className="pointer-events-none absolute right-2 top-2 rounded bg-black/60 px-1.5 py-0.5 text-[11px] text-zinc-200">
            after
          </span>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex flex-1 items-center gap-2 text-xs text-zinc-400">
          <span>Before</span>
          <input
            type="range"
            aria-label="Compare before and after"
            min={0}
            max={100}
            value={split}
            className="flex-1 accent-violet-500"
            onChange={(e) => setSplit(Number(e.target.value))}
          />
          <span>After</span>
        </label>
        <button
          type="button"
          className={`${buttonClass} text-xs`}
          aria-pressed={holding}
          aria-keyshortcuts="C"
          title="Hold to see the original (or hold C)"
          onPointerDown={() => setHolding(true)}
          onPointerUp={() => setHolding(false)}
          onPointerLeave={() => setHolding(false)}
          onKeyDown={(e) => (e.key === ' ' || e.key === 'Enter') && setHolding(true)}
          onKeyUp={() => setHolding(false)}
          onBlur={() => setHolding(false)}
        >
          Hold to compare
        </button>
      </div>
      {staged.promptTruncated && (
        <p role="note" className="text-xs text-amber-300">
          The prompt was longer than the model reads and was truncated; the end was ignored.
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className="inline-flex items-center rounded-md bg-emerald-600 px-4 py-2 text-sm font-semibold text-white hover:bg-emerald-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-300"
          title="Save to the gallery and keep editing the result"
          onClick={acceptStaged}
        >
          Accept
        </button>
        <button type="button" className={buttonClass} title="Drop this result and go back to the photo" onClick={discardStaged}>
          Discard
        </button>
        <button
          type="button"
          className={buttonClass}
          disabled={busy || running}
          title={`Run the same edit with seed ${(seed + 1) >>> 0}`}
          onClick={nextVariation}
        >
          {running ? 'Running…' : `Next variation (seed ${(seed + 1) >>> 0})`}
        </button>
      </div>
    </section>
  );
}
