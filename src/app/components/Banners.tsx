import { useStudio } from '../store/studio';

function Banner({ tone, children, label }: { tone: 'warn' | 'info' | 'error'; children: React.ReactNode; label: string }) {
  const tones = {
    warn: 'border-amber-500/40 bg-amber-500/10 text-amber-200',
    info: 'border-sky-500/40 bg-sky-500/10 text-sky-200',
    error: 'border-rose-500/40 bg-rose-500/10 text-rose-200',
  };
  return (
    <div role={tone === 'error' ? 'alert' : 'note'} aria-label={label} className={`rounded-md border px-3 py-2 text-sm ${tones[tone]}`}>
      {children}
    </div>
  );
}

/** Page-wide notices: test fixture, missing trained default, worker crash. */
export function Banners() {
  const fixture = useStudio((s) => s.model.manifest?.fixture === true);
  const notice = useStudio((s) => s.model.notice);
  const crash = useStudio((s) => s.crashNotice);
  if (!fixture && !notice && !crash) return null;
  return (
    <div className="mx-auto mt-4 flex max-w-7xl flex-col gap-2 px-4">
      {fixture && (
        <Banner tone="warn" label="Fixture model">
          Test fixture with random weights — not a trained model: images are noise.
        </Banner>
      )}
      {notice && (
        <Banner tone="info" label="Model notice">
          {notice}
        </Banner>
      )}
      {crash && (
        <Banner tone="error" label="Engine crashed">
          {crash}
        </Banner>
      )}
    </div>
  );
}
