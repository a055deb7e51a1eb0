import { num, opt, shape, str } from './guards';

export type RpcKind =
  | { kind: 'request'; id: number | string; method: string; params: unknown }
  | { kind: 'response'; id: number | string; result?: unknown; error?: { code?: number; message: string } }
  | { kind: 'notification'; method: string; params: unknown };

const RpcError = shape({ code: opt(num), message: str });

const isId = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';

/**
 * The JSON-RPC message shapes both app-server and mcp-server use on stdio (one object per line):
 * a request from the server (id and method), a response to one of ours (id, result or error), or a
 * notification (method only). app-server omits the `jsonrpc` field; we accept it either way. Checked
 * field by field rather than as a union: a union would build and discard an error for every
 * notification, the most common line by far. Returns a reason for anything else.
 */
export function classify(o: Record<string, unknown>): RpcKind | string {
  const hasId = 'id' in o;
  if (hasId && !isId(o.id)) {
    return 'not a JSON-RPC message (id is neither a number nor a string)';
  }
  if (typeof o.method === 'string') {
    return hasId ? { kind: 'request', id: o.id as number | string, method: o.method, params: o.params } : { kind: 'notification', method: o.method, params: o.params };
  }
  if ('method' in o) {
    return 'not a JSON-RPC message (method is not a string)';
  }
  if (!hasId) {
    return 'not a JSON-RPC message';
  }
  if (o.error !== undefined) {
    if (!RpcError(o.error)) {
      return 'not a JSON-RPC message (error without a message)';
    }
    return { kind: 'response', id: o.id as number | string, result: o.result, error: o.error };
  }
  return { kind: 'response', id: o.id as number | string, result: o.result };
}

/** Tracks our outgoing requests so that each response is matched to what it answers. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, string>();

  constructor(
    private readonly send: (line: string) => void,
    private readonly withJsonrpc = false,
  ) {}

  request(method: string, params: unknown): number {
    const id = this.nextId++;
    this.pending.set(id, method);
    this.send(JSON.stringify(this.withJsonrpc ? { jsonrpc: '2.0', id, method, params } : { id, method, params }));
    return id;
  }

  notify(method: string, params?: unknown): void {
    const msg: Record<string, unknown> = this.withJsonrpc ? { jsonrpc: '2.0', method } : { method };
    if (params !== undefined) {
      msg.params = params;
    }
    this.send(JSON.stringify(msg));
  }

  respond(id: number | string, result: unknown): void {
    this.send(JSON.stringify(this.withJsonrpc ? { jsonrpc: '2.0', id, result } : { id, result }));
  }

  respondError(id: number | string, code: number, message: string): void {
    this.send(JSON.stringify(this.withJsonrpc ? { jsonrpc: '2.0', id, error: { code, message } } : { id, error: { code, message } }));
  }

  /** The method a response answers (and forgets the request), or undefined for an unknown id. */
  settle(id: number | string): string | undefined {
    const n = typeof id === 'number' ? id : Number(id);
    const m = this.pending.get(n);
    this.pending.delete(n);
    return m;
  }
}
