import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { CodexNotFound, UnsupportedVersion } from '../model/errors';
import type { TransportKind } from '../model/request';

/** The transport setting: `auto` chooses by version. */
export type TransportPreference = 'auto' | TransportKind;

/** `codex mcp-server` was removed in 0.154.0; `codex app-server` is the default from there on. */
export const APP_SERVER_SINCE = [0, 154, 0] as const;
/** The oldest Codex whose `mcp-server` / `exec --json` event shapes we parse (the seed used 0.46). */
export const MIN_VERSION = [0, 46, 0] as const;

export interface CodexInstallation {
  /** What to spawn: the native binary when the path was the npm package's Node wrapper. */
  readonly executable: string;
  /** The path as configured or found on PATH. */
  readonly configuredPath: string;
  readonly version: string;
  /** Extra environment the npm wrapper would have set for the native binary. */
  readonly env: Readonly<Record<string, string>>;
  /** True when `executable` is the native binary resolved from the npm wrapper. */
  readonly viaNpmWrapper: boolean;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) {
      return false;
    }
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `codex`: the configured path if given (absolute, or a name looked up on PATH), else PATH. */
export function findCodex(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const wanted = configured?.trim() || 'codex';
  if (wanted.includes('/')) {
    const abs = path.resolve(wanted.startsWith('~/') ? path.join(env.HOME ?? '', wanted.slice(2)) : wanted);
    if (isExecutableFile(abs)) {
      return abs;
    }
    throw new CodexNotFound(abs, [], existsSync(abs) ? `${abs} is not an executable file. Check the codexTasks.codexPath setting.` : undefined);
  }
  for (const dir of pathDirs) {
    const candidate = path.join(dir, wanted);
    if (isExecutableFile(candidate)) {
      return candidate;
    }
  }
  throw new CodexNotFound(wanted, pathDirs);
}

const TRIPLES: Record<string, string> = {
  'linux-x64': 'x86_64-unknown-linux-musl',
  'linux-arm64': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
};

/**
 * If `p` is the npm package's Node wrapper (`@openai/codex/bin/codex.js`), the native binary it would
 * run. On Node < 22 the wrapper is a separate process that forwards only SIGINT/SIGTERM/SIGHUP, and
 * killing it alone left the native codex running (shared/codex-protocol §3, "SIGKILL wrapper pid only").
 */
export function resolveNpmWrapper(p: string): { native: string; packageRoot: string } | undefined {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return undefined;
  }
  if (path.basename(real) !== 'codex.js' || path.basename(path.dirname(real)) !== 'bin') {
    return undefined;
  }
  const packageRoot = path.dirname(path.dirname(real));
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name?: string };
    if (pkg.name !== '@openai/codex') {
      return undefined;
    }
  } catch {
    return undefined;
  }
  const triple = TRIPLES[`${process.platform}-${process.arch}`];
  if (!triple) {
    return undefined;
  }
  const platformPkg = `@openai/codex-${process.platform}-${process.arch}`;
  // Node's resolution from the wrapper's package: its own node_modules first, then each parent's.
  const candidates: string[] = [];
  for (let dir = packageRoot; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'node_modules', platformPkg, 'vendor', triple, 'bin', 'codex'));
    if (path.basename(dir) === 'node_modules') {
      candidates.push(path.join(dir, platformPkg, 'vendor', triple, 'bin', 'codex'));
    }
    if (path.dirname(dir) === dir) {
      break;
    }
  }
  candidates.push(path.join(packageRoot, 'vendor', triple, 'bin', 'codex'));
  const native = candidates.find(isExecutableFile);
  return native ? { native, packageRoot } : undefined;
}

export type SemVer = readonly [number, number, number];

export function parseVersion(output: string): SemVer | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Chooses the transport for a version: mcp-server up to 0.153.x, app-server from 0.154, exec when asked. */
export function chooseTransport(version: string, preference: TransportPreference): TransportKind {
  const v = parseVersion(version);
  if (!v) {
    throw new UnsupportedVersion(version, 'could not read a version number from `codex --version`');
  }
  if (compareVersions(v, MIN_VERSION) < 0) {
    throw new UnsupportedVersion(version, `Codex Tasks needs Codex ${MIN_VERSION.join('.')} or newer`);
  }
  const modern = compareVersions(v, APP_SERVER_SINCE) >= 0;
  switch (preference) {
    case 'auto':
      return modern ? 'app-server' : 'mcp-server';
    case 'exec':
      return 'exec';
    case 'app-server':
      if (!modern) {
        throw new UnsupportedVersion(version, '`codex app-server` needs Codex 0.154.0 or newer; use the mcp-server or exec transport, or upgrade');
      }
      return 'app-server';
    case 'mcp-server':
      if (modern) {
        throw new UnsupportedVersion(version, '`codex mcp-server` was removed in Codex 0.154.0; use the app-server or exec transport');
      }
      return 'mcp-server';
  }
}

/** Locates codex, resolves the native binary behind the npm wrapper and reads its version. */
export async function locateCodex(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<CodexInstallation> {
  const configuredPath = findCodex(configured, env);
  const wrapper = resolveNpmWrapper(configuredPath);
  const executable = wrapper?.native ?? configuredPath;
  const extraEnv: Record<string, string> = wrapper ? { CODEX_MANAGED_PACKAGE_ROOT: wrapper.packageRoot, CODEX_MANAGED_BY_NPM: '1' } : {};
  const r = await runVersion(executable, { ...env, ...extraEnv });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.spawnError) {
    throw new CodexNotFound(executable, [], `Could not run ${executable}: ${r.spawnError}`);
  }
  const version = parseVersion(out);
  if (!version) {
    throw new UnsupportedVersion(out.trim().slice(0, 120) || `(no output, ${r.exit})`, `\`${executable} --version\` did not print a Codex version`);
  }
  return { executable, configuredPath, version: version.join('.'), env: extraEnv, viaNpmWrapper: wrapper !== undefined };
}

interface VersionRun {
  readonly stdout: string;
  readonly stderr: string;
  /** How it ended: "exit 0", "signal SIGKILL", "timed out after 15 s". */
  readonly exit: string;
  /** Set when the executable could not be started at all (ENOENT, EACCES). */
  readonly spawnError?: string;
}

/** `codex --version` without a shell, with a timeout and a cap on what it may print. */
function runVersion(executable: string, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<VersionRun> {
  return new Promise((resolve) => {
    execFile(executable, ['--version'], { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string | null }) | null;
      if (e && typeof e.code === 'string' && e.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        resolve({ stdout, stderr, exit: e.code, spawnError: e.message });
        return;
      }
      const exit = e?.killed ? `timed out after ${timeoutMs / 1000} s` : e?.signal ? `signal ${e.signal}` : `exit ${typeof e?.code === 'number' ? e.code : 0}`;
      resolve({ stdout, stderr, exit });
    }).stdin?.end();
  });
}
