/** Small shared pieces of the studio look. */
import type { ReactNode } from 'react';

export const inputClass =
  'w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-500 ' +
  'focus:border-violet-400 focus:outline-none focus:ring-2 focus:ring-violet-500/40 aria-[invalid=true]:border-rose-500';

export const buttonClass =
  'inline-flex items-center justify-center gap-2 rounded-md border border-zinc-700 bg-zinc-800 px-3 py-1.5 text-sm ' +
  'text-zinc-100 hover:bg-zinc-700 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 ' +
  'disabled:cursor-not-allowed disabled:opacity-40';

export function SectionTitle({ children }: { children: ReactNode }) {
  return <h2 className="text-xs font-semibold uppercase tracking-wider text-zinc-400">{children}</h2>;
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-white/20 bg-black/20 px-1 font-mono text-[10px] leading-4 text-current">
      {children}
    </kbd>
  );
}

export function InlineError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} role="alert" className="text-xs text-rose-400">
      {children}
    </p>
  );
}

/** Platform name of the Mod key for shortcut hints. */
export const modKey = /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '') ? '⌘' : 'Ctrl';

/**
 * A row of radio buttons drawn as one segmented control (the native radios stay, visually
 * hidden, so arrow keys and screen readers work as for any radio group).
 */
export function Segmented<T extends string | number>({
  name,
  options,
  value,
  onChange,
  label,
  ariaLabel,
}: {
  name: string;
  options: readonly T[];
  value: T;
  onChange: (v: T) => void;
  /** What each segment shows. */
  label: (v: T) => ReactNode;
  /** The accessible name of each radio, when it differs from what is shown. */
  ariaLabel?: (v: T) => string;
}) {
  return options.map((o) => (
    <label
      key={o}
      className={`flex-1 cursor-pointer rounded px-2 py-1 text-center has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-violet-400 ${
        value === o ? 'bg-zinc-700 text-zinc-50' : 'text-zinc-400 hover:text-zinc-200'
      }`}
    >
      <input type="radio" className="sr-only" name={name} value={o} aria-label={ariaLabel?.(o)} checked={value === o} onChange={() => onChange(o)} />
      {label(o)}
    </label>
  ));
}
