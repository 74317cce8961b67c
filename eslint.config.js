// Flat config: typescript-eslint recommended (not type-checked, for speed) plus naming and import boundaries.
import tseslint from 'typescript-eslint';
import unicorn from 'eslint-plugin-unicorn';

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
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'Use execFile/spawn with an argument array.' },
            { name: 'child_process', message: 'Import node:child_process (and never exec).' },
          ],
        },
      ],
    },
  },
  {
    // Ink components are PascalCase like React components everywhere.
    files: ['tui/**/*.tsx'],
    rules: { 'unicorn/filename-case': ['error', { case: 'pascalCase', checkDirectories: false, ignore: [/^index\.tsx$/, /^app\.tsx$/] }] },
  },
  {
    // Machines are pure: side effects come in through actors built from ports.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:child_process', 'child_process', 'node:fs', 'fs', 'node:fs/promises', 'fs/promises', 'better-sqlite3', 'ssh2'].map(
            (name) => ({ name, message: 'machines/ stay pure: reach the host through a port passed to the actors.' }),
          ),
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
