/**
 * Runs the mock Responses API as a program (the offline demo of `npm start`, and by hand):
 *   node out/test/mock/serve.js [PORT]     prints the URL, stops on SIGINT/SIGTERM
 */
import { startMockServer } from './mockResponsesServer';

void startMockServer(Number(process.argv[2] ?? 0)).then((m) => {
  process.stdout.write(`mock Responses API listening on ${m.url}\n`);
  const stop = () => void m.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
