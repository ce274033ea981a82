import { Header } from './components/Header';
import { Banners } from './components/Banners';
import { PromptPanel } from './components/PromptPanel';
import { SeedControl } from './components/SeedControl';
import { CountControl } from './components/CountControl';
import { AdvancedSettings } from './components/AdvancedSettings';
import { GenerateBar } from './components/GenerateBar';
import { OutputPanel } from './components/OutputPanel';
import { ModelPanel } from './components/ModelPanel';
import { GallerySection } from './components/GallerySection';
import { useShortcuts } from './useShortcuts';
import { useEffect } from 'react';
import { ModeSwitch } from './editor/ModeSwitch';
import { EditSettings } from './editor/EditSettings';
import { EditBar } from './editor/EditBar';
import { EditorPanel } from './editor/EditorPanel';
import { connectEditor } from './editor/commands';
import { useEditor } from './editor/store';
import { useWide } from './layout/useWide';

/**
 * The page. One grid, two layouts: on wide screens the settings (prompt and run button, then
 * seed and Advanced, then the Model panel) on the left, the stage and gallery on the right; on
 * narrow screens the DOM order stacks prompt → run button → stage → other settings → Model
 * panel → gallery, so pressing Generate or Edit shows its result right below the button.
 */
export function App() {
  useShortcuts();
  // Finished edits are staged by the editor, whichever mode is showing.
  useEffect(() => connectEditor(), []);
  const editing = useEditor((s) => s.appMode === 'edit');
  const wide = useWide();
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-[70] focus:rounded-md focus:bg-violet-600 focus:px-3 focus:py-2 focus:text-sm focus:text-white"
      >
        Skip to main content
      </a>
      <Header />
      <Banners />
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 outline-none">
        <div className="pt-3">
          <ModeSwitch />
        </div>
        <div
          id="mode-panel"
          role="tabpanel"
          aria-labelledby={editing ? 'mode-tab-edit' : 'mode-tab-generate'}
          className="grid gap-4 py-3 lg:grid-cols-[22rem_1fr] lg:grid-rows-[auto_auto_auto_1fr] lg:gap-x-6"
        >
          <form
            aria-label={editing ? 'Edit settings' : 'Generation settings'}
            className="flex flex-col gap-4 lg:col-start-1 lg:row-start-1"
            onSubmit={(e) => e.preventDefault()}
          >
            {editing && <EditSettings part="mode" />}
            <PromptPanel action={editing ? 'edit' : 'generate'} />
            {editing ? <EditBar /> : <GenerateBar />}
          </form>
          <div className="flex min-w-0 flex-col gap-6 lg:col-start-2 lg:row-span-4 lg:row-start-1">
            {editing ? <EditorPanel /> : <OutputPanel />}
            {wide && <GallerySection />}
          </div>
          <div role="group" aria-label="More settings" className="flex flex-col gap-4 lg:col-start-1 lg:row-start-2">
            {editing && <EditSettings part="options" />}
            <SeedControl />
            {!editing && <CountControl />}
            <AdvancedSettings />
          </div>
          <div className="lg:col-start-1 lg:row-start-3">
            <ModelPanel />
          </div>
          {/* On narrow screens the gallery comes last, after the Model panel. */}
          {!wide && <GallerySection />}
        </div>
      </main>
    </div>
  );
}
