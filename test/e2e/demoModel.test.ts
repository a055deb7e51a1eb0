import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_SCENARIOS } from '../../src/vscode/demoScenarios';
import { req, startE2E, type E2E } from '../helpers/e2eHarness';
import { waitFinal } from '../helpers/managerHarness';

let e: E2E;
before(async () => {
  e = await startE2E();
});
after(async () => {
  await e.close();
});

/**
 * The offline demo's model knows the demo's prompts without any marker: a user who types one into
 * New Task (in their own case and spacing) gets what Run Demo Scenario gets. The real codex 0.169.0.
 */
describe('the demo model answers the demo prompts as typed', () => {
  const [files, test] = DEMO_SCENARIOS;

  it(`"${files.prompt}": runs the listing and counts the files`, async () => {
    const h = e.manager('app-server');
    const t = await h.manager.start(req(`  ${files.prompt.toLowerCase().replace('files', 'files ')}\n`, e.workspace()));
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(e.mock.requests.at(-1)!.scenario, files.script);
    assert.equal(s.counts.commands, 1);
    assert.match(s.lastMessage ?? '', /^There are 0 files in the workspace\.$/);
  });

  it(`"${test.prompt}": adds src/calc.test.ts`, async () => {
    const h = e.manager('app-server');
    const ws = e.workspace();
    const t = await h.manager.start(req(test.prompt, ws));
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(e.mock.requests.at(-1)!.scenario, test.script);
    assert.ok(existsSync(path.join(ws, 'src/calc.test.ts')));
    assert.match(s.latestDiff ?? '', /calc\.test\.ts/);
  });
});
