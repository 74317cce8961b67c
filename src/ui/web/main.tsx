/** Entry: mounts the app on the shell's #app (or a fresh element when the shell has none). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';

const host = document.getElementById('app') ?? document.getElementById('root') ?? document.body.appendChild(document.createElement('div'));
createRoot(host).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
