// A loopback-only bridge from the tests (running inside the extension host) back to the browser page
// that shows the workbench: screenshots of the real UI, and a workbench reload (history tests).
// Guarded by a random token; bound to 127.0.0.1.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');

function startPageBridge() {
  const token = crypto.randomBytes(16).toString('hex');
  let page;
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
