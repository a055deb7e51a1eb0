import type * as Runtime from './runtime';

export type RuntimeModule = typeof Runtime;

let loaded: RuntimeModule | undefined;

/**
 * The engine's heavy half (runtime.ts), required on first use. In the extension this `require` is
 * of dist/engine.js, a bundle of its own (esbuild.mjs); in the tests' bundles it is an ordinary
 * module of the same file.
 */
export function loadRuntime(): RuntimeModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  loaded ??= require('./runtime') as RuntimeModule;
  return loaded;
}
