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

export function App() {
  useShortcuts();
  // Finished edits are staged by the editor, whichever mode is showing.
  useEffect(() => connectEditor(), []);
  const editing = useEditor((s) => s.appMode === 'edit');
  return (
    <div className="min-h-screen">
      <Header />
      <Banners />
      <div className="mx-auto max-w-7xl px-4 pt-4">
        <ModeSwitch />
      </div>
      <main
        id="mode-panel"
        role="tabpanel"
        aria-labelledby={editing ? 'mode-tab-edit' : 'mode-tab-generate'}
        className="mx-auto grid max-w-7xl gap-6 px-4 py-6 lg:grid-cols-[22rem_1fr]"
      >
        <form
          aria-label={editing ? 'Edit settings' : 'Generation settings'}
          className="flex flex-col gap-5"
          onSubmit={(e) => e.preventDefault()}
        >
          {editing && <EditSettings />}
          <PromptPanel action={editing ? 'edit' : 'generate'} />
          <SeedControl />
          {!editing && <CountControl />}
          <AdvancedSettings />
          {editing ? <EditBar /> : <GenerateBar />}
          <ModelPanel />
        </form>
        <div className="flex min-w-0 flex-col gap-6">
          {editing ? <EditorPanel /> : <OutputPanel />}
          <GallerySection />
        </div>
      </main>
    </div>
  );
}
