/**
 * Entry. In a page: mounts the app on the shell's #root. In a shared worker
 * (the same script, started by stream.ts): runs the tabs' shared event streams.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { runHub } from './hub-worker.js';

if (typeof document === 'undefined') {
  runHub(globalThis as unknown as { onconnect: ((e: MessageEvent) => void) | null });
} else {
  const host = document.getElementById('root') ?? document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
  createRoot(host).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
