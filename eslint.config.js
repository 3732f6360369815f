// Type-aware lint plus the dependency arrows of DESIGN.md §3, enforced by eslint-plugin-boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

// The library layers live in src/; the three products and the detectors at the top level.
const LAYERS = [
  'core', 'diff', 'attest', 'ledger', 'report', 'config',
  'engine', 'git', 'github', 'capture', 'bench', 'eval',
];
const TOP = ['app', 'action', 'cli', 'detectors'];
const dirOf = (layer) => (TOP.includes(layer) ? layer : `src/${layer}`);
const DOMAIN = ['diff', 'detectors', 'attest', 'ledger', 'report', 'config'];
const allow = (from, to) => ({
  from: { element: { type: from } },
  allow: { to: { element: { types: { anyOf: to } } } },
});

// Modules that must stay free of I/O: the engine does no I/O; effects come in as ports.
const PURE = ['core', 'diff', 'detectors', 'attest', 'report', 'config', 'engine'];
const IO_MODULES = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https'];
const PLATFORM_SDKS = ['probot', '@octokit/*', '@actions/*'];
// Only the ledger stores (src/ledger/store/) talk to a database; everything else takes a store.
const DB_MESSAGE = 'only src/ledger/store/ may import a database driver (take a LedgerStore or a SqlClient)';
const DB_DRIVERS = [{ name: 'pg', message: DB_MESSAGE }, { name: '@electric-sql/pglite', message: DB_MESSAGE }];
const DB_PATTERNS = [{ group: ['pg/*', '@electric-sql/pglite/*'], message: DB_MESSAGE }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'bin/**', 'eslint.config.js', 'eval/**', 'scratch/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { boundaries },
    settings: {
      'boundaries/elements': [
        // The ledger's file-system stores: port implementations an adapter constructs and passes in.
        { type: 'ledger-store', pattern: 'src/ledger/store' },
        // The Action's platform glue (first match wins): the WASM parser behind the detectors
        // for the bundle, and the runner's workflow commands (escaping from report/).
        { type: 'action-platform', pattern: 'action/platform' },
        ...[...LAYERS, ...TOP].map((type) => ({ type, pattern: dirOf(type) })),
      ],
      'boundaries/include': [...['src', ...TOP].map((dir) => `${dir}/**/*.ts`)],
      'import/resolver': { typescript: { alwaysTryTypes: true }, node: true },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'boundaries/dependencies': [2, {
        default: 'disallow',
        policies: [
          allow('core', ['core']),
          ...DOMAIN.map((d) => allow(d, ['core', d])),
          allow('report', ['core', 'report', 'ledger']),
          allow('engine', ['core', 'engine', ...DOMAIN]),
          allow('git', ['core', 'git', 'diff']),
          // Agent hooks, the spool and the push client: I/O like git/, over the domain modules.
          allow('capture', ['core', 'capture', 'git', 'diff', 'attest', 'config', 'ledger', 'ledger-store', 'engine']),
          allow('github', ['core', 'github', 'diff', 'ledger', 'report', 'config', 'engine']),
          // Adapters are wiring: the engine, the port implementations (github/, git/) and config/.
          allow('action', ['core', 'action', 'action-platform', 'engine', 'github', 'git', 'config']),
          allow('ledger-store', ['core', 'ledger', 'ledger-store']),
          allow('action-platform', ['core', 'action-platform', 'detectors', 'report']),
          allow('app', ['core', 'app', 'engine', 'github', 'config', 'ledger-store']),
          allow('cli', ['core', 'cli', 'engine', 'git', 'config', 'github', 'ledger-store', 'capture']),
          allow('bench', ['core', 'bench', 'engine', 'git', 'ledger-store', 'capture', ...DOMAIN]),
          allow('eval', ['core', 'eval', 'engine', 'git', ...DOMAIN]),
        ],
      }],
    },
  },
  {
    files: PURE.map((p) => `${dirOf(p)}/**/*.ts`),
    rules: {
      'no-restricted-imports': ['error', { paths: [...IO_MODULES.map((name) => ({ name, message: 'pure module: effects come in as ports (STYLE.md rule 1)' })), ...DB_DRIVERS], patterns: [{ group: PLATFORM_SDKS, message: 'only github/, app/ and action/ may import GitHub SDKs' }, ...DB_PATTERNS] }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'pure module: no network' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'inject a Clock' }, { object: 'Math', property: 'random', message: 'inject a Random' }],
    },
  },
  {
    // The ledger is pure log maths except its stores, which are the only file-system users.
    files: ['src/ledger/**/*.ts'],
    ignores: ['src/ledger/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...IO_MODULES.map((name) => ({ name, message: 'only ledger/store/ touches the file system' })), ...DB_DRIVERS], patterns: [{ group: PLATFORM_SDKS, message: 'only github/, app/ and action/ may import GitHub SDKs' }, ...DB_PATTERNS] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'inject a Clock' }, { object: 'Math', property: 'random', message: 'inject a Random' }],
    },
  },
  {
    files: ['src/{git,capture,bench,eval}/**/*.ts', 'cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: DB_DRIVERS, patterns: [{ group: PLATFORM_SDKS, message: 'only github/, app/ and action/ may import GitHub SDKs' }, ...DB_PATTERNS] }],
    },
  },
  {
    files: ['app/**/*.ts', 'action/**/*.ts', 'src/github/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: DB_DRIVERS, patterns: DB_PATTERNS }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'vitest.config.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
