import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { App } from './app/App';
import { bootModel, connectEngine, setBackend, crashWorkerForTest } from './app/commands';
import { installTestHooks } from './app/testHooks';
import { parseBackendParam } from './app/backendParam';
import { saveResultsToGallery } from './app/galleryLink';

const search = new URLSearchParams(location.search);
connectEngine();
saveResultsToGallery();
const backend = parseBackendParam(search.get('backend'));
if (backend) setBackend(backend);
void bootModel(search);
if (search.has('testHooks')) installTestHooks(crashWorkerForTest);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
