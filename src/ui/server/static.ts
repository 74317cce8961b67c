import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { distPath } from '../../host/package-root.js';

/** The app's files: the browser bundle scripts/build-ui.mjs writes to dist/ui/assets/. */
export const DEFAULT_ASSETS_DIR = pathToFileURL(`${distPath('ui/assets')}/`);

/** The only two files served: a fixed table, so no request text ever becomes a path. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The HTML shell for `/` and every client-side route. */
export const SHELL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>banger</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<div id="root"></div>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
`;

const MISSING_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>banger: dashboard not built</title></head>
<body><h1>The dashboard's browser app is not built</h1>
<p>This banger has no <code>dist/ui/assets/app.js</code>. Run <code>npm run build</code> in the banger checkout, then reload.</p>
</body></html>
`;

export function isAssetPath(pathname: string): boolean {
  return Object.hasOwn(ASSETS, pathname);
}

function assetUrl(dir: URL | string, file: string): URL | string {
  if (typeof dir === 'string') return `${dir.replace(/\/$/, '')}/${file}`;
  return new URL(file, dir);
}

/** Serves the shell (the bundle's presence checked first, so a missing build says how to fix it). */
export async function serveShell(res: ServerResponse, assetsDir: URL | string = DEFAULT_ASSETS_DIR, head = false): Promise<void> {
  try {
    await stat(assetUrl(assetsDir, 'app.js'));
  } catch {
    res.writeHead(500, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(MISSING_HTML);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(head ? undefined : SHELL_HTML);
}

/** Serves `/assets/app.js` or `/assets/app.css` (isAssetPath first). */
export async function serveAsset(res: ServerResponse, pathname: string, assetsDir: URL | string = DEFAULT_ASSETS_DIR, head = false): Promise<void> {
  const asset = ASSETS[pathname];
  if (!asset) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(assetUrl(assetsDir, asset.file));
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${pathname} is missing: run npm run build in the banger checkout`);
    return;
  }
  res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(head ? undefined : body);
}
