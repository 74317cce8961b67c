// Bundles the CLI (src/cli/main.ts and everything it imports from src/ and tui/) over tsc's
// dist/src/cli/main.js: one file for start-up, and one chunk per lazily imported command in
// dist/src/cli/chunks/. Node loads ESM module by module, and the 30-odd files of the unbundled
// CLI cost more than `banger --help` itself (issue 18: start-up within 1.3x a bare node).
// npm packages stay external (native addons, ink/react, ssh2), except the two pure-JS ones
// every daemon call loads. Paths into the package come from src/host/package-root.ts, never
// from a module's own import.meta.url (eslint enforces it), so moving code into chunks is safe.
import { build } from 'esbuild';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/src/cli`;
const INLINE = new Set(['commander', 'json-rpc-2.0']);

rmSync(`${outdir}/chunks`, { recursive: true, force: true });
const result = await build({
  metafile: process.argv.includes('--meta'),
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  tsconfig: 'tsconfig.json',
  // commander is CommonJS and require()s node built-ins; ESM output has no `require` of its own.
  banner: { js: "import { createRequire as __bangerRequire } from 'node:module'; const require = __bangerRequire(import.meta.url);" },
  // Smaller source is less to parse at start-up; names are kept for error classes (`err.name`),
  // and the source map serves --debug's stack traces (program.ts enables source maps then).
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      // commander require()s child_process at load for executable subcommands, which banger does not
      // use; loading it pulls in net, dgram and the stream stack (35 internal modules) on every start.
      name: 'lazy-child-process-for-commander',
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'banger-shim' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'banger-shim' }, () => ({
          contents: "let cp; module.exports = new Proxy({}, { get: (_t, key) => (cp ??= require('node:child_process'))[key] });",
          loader: 'js',
        }));
      },
    },
    {
      // `import { readFileSync } from 'node:fs'` in ESM builds fs's whole namespace, and that runs its lazy
      // getters (streams, promises): the stream stack loads on every start. require() does not.
      name: 'builtins-via-require',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || !isBuiltin(args.path)) return undefined;
          // The stand-in's own require() (and the shim's) is the real, external one.
          // A dynamic import() stays one: it runs only when needed, and esbuild's CommonJS interop mangles its named exports.
          if (args.namespace === 'banger-builtin' || args.namespace === 'banger-shim' || args.kind === 'dynamic-import') return { path: args.path, external: true };
          // One stand-in per importing module: a shared one would become a chunk file of its own, one more file to load.
          return { path: `${args.path}|${args.importer}`, namespace: 'banger-builtin' };
        });
        b.onLoad({ filter: /.*/, namespace: 'banger-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path.split('|')[0])});`, loader: 'js' }));
      },
    },
    {
      name: 'external-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:')) return { external: true };
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
          return INLINE.has(name) ? undefined : { external: true };
        });
      },
    },
  ],
});

if (process.argv.includes('--meta')) writeFileSync(`${root}dist/cli-bundle.meta.json`, JSON.stringify(result.metafile));
if (process.argv.includes('--sizes')) console.log(`main.js ${statSync(`${outdir}/main.js`).size} bytes`);
