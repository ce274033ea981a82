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

export function App() {
  useShortcuts();
  return (
    <div className="min-h-screen">
      <Header />
      <Banners />
      <main className="mx-auto grid max-w-7xl gap-6 px-4 py-6 lg:grid-cols-[22rem_1fr]">
        <form
          aria-label="Generation settings"
          className="flex flex-col gap-5"
          onSubmit={(e) => e.preventDefault()}
        >
          <PromptPanel />
          <SeedControl />
          <CountControl />
          <AdvancedSettings />
          <GenerateBar />
          <ModelPanel />
        </form>
        <div className="flex min-w-0 flex-col gap-6">
          <OutputPanel />
          <GallerySection />
        </div>
      </main>
    </div>
  );
}
