import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { App } from './app/App';
import { connectEngine, setBackend, crashWorkerForTest } from './app/commands';
import { installTestHooks } from './app/testHooks';
import { parseBackendParam } from './app/backendParam';
import { saveResultsToGallery } from './app/galleryLink';
import { bootModels } from './app/models/boot';
import { rememberChoices } from './app/models/actions';
import { backendSetting, persistForm, saveBackendChanges } from './app/persist/settings';
import { persistEditor } from './app/persist/editorSettings';
import { startServiceWorker } from './app/pwa/serviceWorker';
import { UpdatePrompt } from './app/pwa/UpdatePrompt';

const search = new URLSearchParams(location.search);
persistForm();
persistEditor();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
    <UpdatePrompt />
  </StrictMode>,
);

// On a first visit the engine starts once the service worker controls the page (see
// startServiceWorker), so ONNX Runtime is cached for offline use on that visit.
void startServiceWorker()
  .catch(() => undefined) // no service worker: the studio still runs, online only
  .then(() => {
    connectEngine();
    saveResultsToGallery();
    const saved = backendSetting().get();
    const backend = parseBackendParam(search.get('backend')) ?? (saved !== 'auto' ? saved : undefined);
    if (backend) setBackend(backend);
    saveBackendChanges();
    rememberChoices();
    void bootModels(search);
    if (search.has('testHooks')) installTestHooks(crashWorkerForTest);
  });
