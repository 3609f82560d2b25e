// The folder table of ../shared/ARCHITECTURE.md, enforced: a folder's name says where its code runs.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_ONLY_PACKAGES = ['electron', 'ssh2', 'ssh-config', 'better-sqlite3', 'simple-git', 'node-pty', 'ws'];

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.tsbuild/', 'test-output/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'scripts/**', 'bin/**'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['common/**/*.ts'],
    ignores: ['common/**/*.test.ts'],
    rules: restrict([
      {
        regex: '^(?!\\.{1,2}/|zod(/|$))',
        message: 'common/ runs anywhere: it may import only common/ and pure libraries (zod).',
      },
      {
        regex: '^(\\.\\./)+(main|renderer|preload|agent-host|test)(/|$)',
        message: 'common/ may not import from another runtime folder.',
      },
    ]),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.ts'],
    languageOptions: { globals: globals.browser },
    rules: restrict([
      { regex: '^node:', message: 'renderer/ runs in the browser page: no Node built-ins.' },
      {
        group: [...NODE_ONLY_PACKAGES, ...NODE_ONLY_PACKAGES.map((p) => `${p}/*`)],
        message: 'renderer/ may not import Node-only packages; go through the AppApi.',
      },
      {
        regex: '^(\\.\\./)+(main|agent-host|preload)(/|$)',
        message: 'renderer/ may import only itself and common/.',
      },
    ]),
  },
  {
    files: ['agent-host/**/*.ts'],
    rules: restrict([
      {
        regex: '^(\\.\\./)+(main|renderer|preload)(/|$)',
        message: 'agent-host/ runs on the VM: it may import only common/.',
      },
      { group: ['electron', 'electron/*'], message: 'agent-host/ runs on plain Node, never Electron.' },
    ]),
  },
  {
    files: ['main/**/*.ts'],
    rules: restrict([
      {
        regex: '^(\\.\\./)+(renderer|preload|agent-host)(/|$)',
        message: 'main/ may import only common/ (agent-host is reached over the wire).',
      },
    ]),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict([
      {
        regex: '^(?!electron$|(\\.\\./)+common/)',
        message: 'preload/ may import only electron and types from common/.',
      },
    ]),
  },
);
