/**
 * A tiny MCP server over stdio with one tool, `echo`, so that codex makes a real MCP tool call in the
 * tests (its begin/end events and the rendered output). Configured in the throwaway CODEX_HOME as
 * `[mcp_servers.mocktools]`.
 */
import { createInterface } from 'node:readline';

const send = (m: unknown) => process.stdout.write(`${JSON.stringify(m)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  let m: { id?: number | string; method?: string; params?: { name?: string; arguments?: { text?: string }; protocolVersion?: string } };
  try {
    m = JSON.parse(line) as typeof m;
  } catch {
    return;
  }
  if (m.id === undefined || !m.method) {
    return; // notifications and responses
  }
  switch (m.method) {
    case 'initialize':
      send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'mocktools', version: '1.0.0' } } });
      return;
    case 'tools/list':
      send({
        jsonrpc: '2.0',
        id: m.id,
        result: { tools: [{ name: 'echo', description: 'Echoes its text back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }] },
      });
      return;
    case 'tools/call':
      send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: `echo: ${m.params?.arguments?.text ?? ''}` }] } });
      return;
    default:
      send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `no method ${m.method}` } });
  }
});
