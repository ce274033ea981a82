import { ModelStatus } from './ModelStatus';
import { BackendControl } from './BackendControl';
import { OfflineStatus } from '../pwa/OfflineStatus';
import { ShortcutsDialog } from './ShortcutsDialog';

export function Header() {
  return (
    <header className="border-b border-zinc-800 bg-zinc-950/80 backdrop-blur">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <div className="flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <h1 className="text-lg font-semibold tracking-tight">
            Muse <span className="text-violet-400">Studio</span>
          </h1>
        </div>
        <ModelStatus />
        <OfflineStatus />
        <div className="ml-auto flex items-center gap-3">
          <ShortcutsDialog />
          <BackendControl />
        </div>
      </div>
    </header>
  );
}
