import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: 'src/core must not depend on vscode: put VS Code code in src/vscode.' };
const OUTSIDE_CORE = { regex: '^(\\.\\./)+(vscode|extension)(/|$)', message: 'src/core must not import the VS Code adapters.' };

/** One lint block per folder of src/core: imports of a folder not in `allowed[folder]` are errors. */
function layers(allowed) {
  return Object.entries(allowed).map(([folder, deps]) => ({
    files: [`src/core/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [NO_VSCODE],
        patterns: [
          OUTSIDE_CORE,
          {
            // The package manifest (its version) is not a layer: anyone may read it.
            regex: `^\\.\\./(?!${deps.length > 0 ? `(${deps.join('|')})/|` : ''}(\\.\\./)+package\\.json$)`,
            message: `src/core/${folder} may import ${deps.length > 0 ? `only ${deps.map((d) => `src/core/${d}`).join(', ')} (and itself)` : 'nothing else of the project'}: see the layers in eslint.config.mjs.`,
          },
        ],
      }],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'esbuild.mjs', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // node:test's describe/it return promises that the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
    },
  },
  // The layers of src/core, in the one direction data flows (README, "Architecture"): a folder imports
  // only the folders listed for it, and nothing in src/core imports vscode or the adapters.
  ...layers({
    base: [],
    model: [],
    text: ['model', 'base'],
    io: ['model', 'base'],
    process: ['model', 'base', 'io'],
    transports: ['model', 'base', 'process'],
    engine: ['model', 'base', 'io', 'process', 'transports', 'text'],
  }),
  {
    files: ['scripts/**/*.mjs', 'test/harness/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', TextDecoder: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
);
