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

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    plugins: [oneVscodeImport],
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
  },
];

if (!production) {
  // Test entry points: unit and e2e tests run under `node --test`, the integration suite runs inside
  // the extension host (mocha is bundled in; `vscode` stays external and comes from the host).
  builds.push({
    ...common,
    entryPoints: [
      ...testFiles('test/unit'),
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
