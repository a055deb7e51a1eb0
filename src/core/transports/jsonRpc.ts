import { z } from 'zod';

/**
 * The JSON-RPC message shapes both app-server and mcp-server use on stdio (one object per line).
 * app-server omits the `jsonrpc` field on its output; we accept it either way.
 */
export const RpcMessage = z.union([
  // A request from the server to us (approvals, elicitations): it has both id and method.
  z.looseObject({ id: z.union([z.number(), z.string()]), method: z.string(), params: z.unknown().optional() }),
  // A response to one of our requests.
  z.looseObject({
    id: z.union([z.number(), z.string()]),
    result: z.unknown().optional(),
    error: z.looseObject({ code: z.number().optional(), message: z.string() }).optional(),
  }),
  // A notification.
  z.looseObject({ method: z.string(), params: z.unknown().optional() }),
]);
export type RpcMessage = z.infer<typeof RpcMessage>;

export type RpcKind =
  | { kind: 'request'; id: number | string; method: string; params: unknown }
  | { kind: 'response'; id: number | string; result?: unknown; error?: { code?: number; message: string } }
  | { kind: 'notification'; method: string; params: unknown };

export function classify(m: RpcMessage): RpcKind {
  const o = m as Record<string, unknown>;
  if ('id' in o && typeof o.method === 'string') {
    return { kind: 'request', id: o.id as number | string, method: o.method, params: o.params };
  }
  if ('id' in o) {
    return { kind: 'response', id: o.id as number | string, result: o.result, error: o.error as { code?: number; message: string } | undefined };
  }
  return { kind: 'notification', method: o.method as string, params: o.params };
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
