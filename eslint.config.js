// Flat config: typescript-eslint recommended (not type-checked, for speed) plus naming and import boundaries.
import tseslint from 'typescript-eslint';
import unicorn from 'eslint-plugin-unicorn';

const NO_EXEC = [
  { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'Use execFile/spawn with an argument array.' },
  { name: 'child_process', message: 'Import node:child_process (and never exec).' },
];

/**
 * Layer boundaries. Specifiers are relative, so a regex on them names the
 * layer: leaving machines/ or helper/ always passes the repo root
 * (`../../src/host/...`), and src/rpc, src/wire and src/model have no subfolders, so
 * any `../` there leaves them. A later block replaces the rule's options, so
 * each layer repeats NO_EXEC.
 */
const layer = (files, patterns, paths = NO_EXEC) => ({ files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', '.bench-dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { unicorn },
    rules: {
      'unicorn/filename-case': ['error', { case: 'kebabCase' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='shell'][value.value=true]", message: 'No shell strings: spawn with an argument array.' },
      ],
      'no-restricted-imports': ['error', { paths: NO_EXEC }],
    },
  },
  {
    // The CLI is bundled into chunks (scripts/bundle-cli.mjs), so a module's own URL does not say where its
    // source sat: paths into the package come from src/host/package-root.ts alone.
    files: ['src/**/*.ts', 'src/**/*.tsx', 'tui/**/*.ts', 'tui/**/*.tsx'],
    ignores: ['src/host/package-root.ts', 'src/ui/web/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='shell'][value.value=true]", message: 'No shell strings: spawn with an argument array.' },
        { selector: "MetaProperty[meta.name='import'][property.name='meta']", message: 'No import.meta here: the CLI is bundled; use packageRoot()/distPath() from src/host/package-root.ts.' },
      ],
    },
  },
  {
    // Ink components are PascalCase like React components everywhere.
    files: ['tui/**/*.tsx'],
    rules: { 'unicorn/filename-case': ['error', { case: 'pascalCase', checkDirectories: false, ignore: [/^index\.tsx$/, /^app\.tsx$/] }] },
  },
  // Machines are pure: side effects come in through actors built from ports (machines/ports.ts).
  layer(
    ['machines/**/*.ts'],
    [{ regex: String.raw`^(\.\./)+(src/(?!(model|errors)/)|helper/|tui/|test/|scripts/)`, message: 'machines/ import only src/model, src/errors and their own files: reach the rest through a port (machines/ports.ts).' }],
    ['node:child_process', 'child_process', 'node:fs', 'fs', 'node:fs/promises', 'fs/promises', 'better-sqlite3', 'ssh2'].map(
      (name) => ({ name, message: 'machines/ stay pure: reach the host through a port passed to the actors.' }),
    ),
  ),
  // The wire contract: both ends compile against it, so it points only at the contract layer.
  layer(['src/rpc/**/*.ts'], [{ regex: String.raw`^\.\./(?!(model|errors|wire)/)`, message: 'src/rpc imports only src/model, src/errors and src/wire: move shared shapes to src/model.' }]),
  // The NDJSON wire is shared by bangerd, the CLI and the root helper: it knows no method and no VM.
  // host/package-root: the version the handshake carries is read from the package, which only that module locates.
  layer(['src/wire/**/*.ts'], [{ regex: String.raw`^\.\./(?!(model|errors)/|host/package-root\.js$)`, message: 'src/wire imports only src/model and src/errors: it carries messages, it does not know them.' }]),
  // The contract layer: pure shapes, limits and rules; it may throw src/errors' classes, nothing else of banger.
  layer(['src/model/**/*.ts'], [{ regex: String.raw`^\.\./(?!errors/)`, message: 'src/model imports only src/errors: it is what every other layer builds on.' }]),
  // The root helper trusts nothing of bangerd's: no daemon, wire handlers, machines, store or CLI.
  layer(['helper/**/*.ts'], [{ regex: String.raw`^(\.\./)+(src/(daemon|rpc|store|cli)/|machines/|tui/)`, message: 'helper/ must not import bangerd parts (src/daemon, src/rpc, machines, src/store, src/cli).' }]),
  // Front ends reach machines and the store only through bangerd's RPC.
  layer(
    ['src/cli/**/*.ts', 'src/debug/**/*.ts', 'src/ui/**/*.ts', 'src/ui/**/*.tsx', 'tui/**/*.ts', 'tui/**/*.tsx'],
    [{ regex: String.raw`^(\.\./)+(src/)?(machines|store)/`, message: 'the CLI, TUI, dashboard and debug tools reach machines/ and src/store only through the daemon (RPC).' }],
  ),
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
