// Bundles the extension and the test entry points.
//   node esbuild.mjs               development build (source maps)
//   node esbuild.mjs --production  minified extension bundle, no source maps (what the .vsix ships)
//   node esbuild.mjs --watch       rebuild on change
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Every `*.test.ts` below `dir`, recursively. */
function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
};

/**
 * `import * as vscode from 'vscode'` in a CommonJS bundle becomes one `__toESM(require('vscode'))` per
 * file, each copying the whole API object into a fresh namespace (hundreds of getters, ten times over)
 * during activation. Routed through one shim module, the copy happens once.
 */
const oneVscodeImport = {
  name: 'one-vscode-import',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-shim' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-shim' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

/**
 * The engine's heavy half (process control, transports, the raw log, zod) is a second bundle,
 * dist/engine.js, required on the first task: activation reads, compiles and runs only what the first
 * paint needs. The two modules the first bundle requires lazily (`require('./runtime')` in
 * engine/load.ts, `require('./schemas')` in model/request.ts) become `require('./engine.js')`, whose
 * entry (runtime.ts) exports both. The tests' bundles keep them as ordinary modules of one file.
 */
const LAZY = ['src/core/engine/runtime.ts', 'src/core/model/schemas.ts'].map((f) => path.resolve(f));
const engineApart = {
  name: 'engine-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/(runtime|schemas)$/ }, (args) =>
      args.kind === 'require-call' && LAZY.includes(path.resolve(args.resolveDir, `${args.path}.ts`)) ? { path: './engine.js', external: true } : undefined,
    );
  },
};

/** What only dist/engine.js may hold: a static import that pulls one into the first bundle fails the build. */
const ENGINE_ONLY = /^(src\/core\/(process|transports|io)\/|src\/core\/engine\/runtime\.ts$|src\/core\/model\/schemas\.ts$|node_modules\/zod\/)/;
const FIRST_PAINT_TOO = new Set(['src/core/process/codexLocator.ts', 'src/core/process/pidRecords.ts', 'src/core/io/atomicFile.ts', 'src/core/io/retention.ts']);
const firstPaintOnly = {
  name: 'first-paint-only',
  setup(build) {
    build.onEnd((r) => {
      const inputs = Object.values(r.metafile?.outputs ?? {}).flatMap((o) => Object.keys(o.inputs));
      const stray = inputs.filter((f) => ENGINE_ONLY.test(f) && !FIRST_PAINT_TOO.has(f));
      if (stray.length > 0) {
        throw new Error(`dist/extension.js must not hold the engine's heavy half (import these lazily through engine/load.ts): ${stray.join(', ')}`);
      }
    });
  },
};

const bundle = { ...common, minify: production, sourcemap: !production, sourcesContent: false, metafile: true };
const builds = [
  { ...bundle, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [oneVscodeImport, engineApart, firstPaintOnly] },
  { ...bundle, entryPoints: ['src/core/engine/runtime.ts'], outfile: 'dist/engine.js' },
];

if (!production) {
  // Test entry points: unit and e2e tests run under `node --test`, the integration suite runs inside
  // the extension host (mocha is bundled in; `vscode` stays external and comes from the host).
  builds.push({
    ...common,
    entryPoints: [
      ...testFiles('test/pure'),
      ...testFiles('test/process'),
      ...testFiles('test/e2e'),
      ...testFiles('test/soak'),
      ...testFiles('test/integration/suite'),
      'test/integration/suite/index.ts',
      'test/integration/runTest.ts',
      'test/mock/serve.ts',
      'test/mock/mcpToolServer.ts',
      'test/fixtures/fakeCodex.ts',
      'test/fixtures/fakeHost.ts',
      'test/fixtures/recordTranscripts.ts',
      'bench/bench.ts',
      'bench/host.ts',
    ],
    outdir: 'out',
    outbase: '.',
    sourcemap: true,
    external: ['vscode', 'mocha', '@vscode/test-electron', 'playwright-core'],
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: built ${production ? 'production bundle' : 'extension and tests'} in ${Date.now() - t0} ms`);
}
