/* global window, document, Event -- page.evaluate callbacks run in the browser */
// A loopback-only bridge from the tests (running inside the extension host) back to the browser page
// that shows the workbench: screenshots of the real UI, and a workbench reload (history tests).
// Guarded by a random token; bound to 127.0.0.1.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');

function startPageBridge() {
  const token = crypto.randomBytes(16).toString('hex');
  let page;
  let other;
  let cdp;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const reply = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.searchParams.get('token') !== token || !page) {
      reply(403, { error: 'forbidden or no page yet' });
      return;
    }
    void (async () => {
      try {
        switch (url.pathname) {
          case '/screenshot':
            await page.screenshot({ path: url.searchParams.get('path') });
            return reply(200, { ok: true });
          case '/reload':
            // Answer first: the extension host that asked is about to be torn down by the reload.
            reply(200, { ok: true });
            await new Promise((r) => setTimeout(r, 200));
            await page.reload();
            return undefined;
          case '/keys':
            await page.keyboard.press(url.searchParams.get('keys'));
            return reply(200, { ok: true });
          case '/click': {
            // A button of the workbench (e.g. a notification action) by its exact label.
            const b = page.locator('.notifications-toasts .monaco-button, .notifications-center .monaco-button').filter({ hasText: new RegExp(`^${url.searchParams.get('text').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
            await b.last().click({ timeout: 30_000 });
            return reply(200, { ok: true });
          }
          case '/count':
            return reply(200, { count: await page.getByText(url.searchParams.get('text'), { exact: false }).count() });
          case '/blur':
            // Another tab in front: the workbench window loses the focus, as when the user switches away.
            // Headless chromium emulates a focused page: turn that off first.
            cdp ??= await page.context().newCDPSession(page);
            await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
            if (other) {
              await other.close();
            }
            other = await page.context().newPage();
            await other.bringToFront();
            await page.evaluate(() => window.dispatchEvent(new Event('blur')));
            return reply(200, { ok: true });
          case '/focus':
            await page.bringToFront();
            if (other) {
              await other.close();
              other = undefined;
            }
            await page.evaluate(() => window.dispatchEvent(new Event('focus')));
            return reply(200, { ok: true });
          case '/waitinput': {
            // The quick input (quick pick or input box) is up and its text field has the focus.
            const input = page.locator('.quick-input-widget .quick-input-box input');
            await input.waitFor({ state: 'visible', timeout: 15_000 });
            await page.waitForFunction(() => document.activeElement?.closest('.quick-input-widget') !== null, undefined, { timeout: 15_000 });
            return reply(200, { ok: true });
          }
          case '/type':
            await page.keyboard.type(url.searchParams.get('text'), { delay: 5 });
            return reply(200, { ok: true });
          default:
            return reply(404, { error: 'unknown' });
        }
      } catch (e) {
        return reply(500, { error: String(e) });
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/?token=${token}`,
        setPage: (p) => (page = p),
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

module.exports = { startPageBridge };
