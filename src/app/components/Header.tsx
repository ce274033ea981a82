import { ModelStatus } from './ModelStatus';
import { BackendControl, BackendNotes } from './BackendControl';
import { OfflineStatus } from '../pwa/OfflineStatus';
import { ShortcutsDialog } from './ShortcutsDialog';

/**
 * Title, model and offline status, backend. On a phone it takes two lines (the title with the
 * backend, then the model with the offline badge) so the prompt starts high on the first screen;
 * from `sm` up the parts sit in reading order on one line. Notes about the backend (why WASM, a
 * slow software adapter, an error) come last, on a line of their own where they need one.
 */
export function Header() {
  return (
    <header className="border-b border-zinc-800 bg-zinc-950/80 backdrop-blur">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-2 gap-y-1 px-4 py-2 sm:gap-x-6 sm:gap-y-2 sm:py-3">
        <div className="order-1 flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-6 w-6 sm:h-7 sm:w-7" />
          <h1 className="whitespace-nowrap text-base font-semibold tracking-tight sm:text-lg">
            Muse <span className="text-violet-400">Studio</span>
          </h1>
        </div>
        <div className="order-4 flex min-w-0 flex-1 items-center gap-2 sm:order-2 sm:flex-none sm:gap-6">
          <ModelStatus />
          <OfflineStatus />
        </div>
        <div className="order-2 ml-auto flex shrink-0 items-center gap-3 sm:order-3">
          <ShortcutsDialog />
          <BackendControl />
        </div>
        {/* Phone: ends the first line after the backend. */}
        <div className="order-3 h-0 basis-full sm:hidden" aria-hidden />
        <BackendNotes className="order-5 sm:order-4" />
      </div>
    </header>
  );
}
