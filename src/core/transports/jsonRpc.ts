import { version } from '../../../package.json';
import type { EventBody } from '../model/events';
import { num, opt, shape, str } from './guards';
import { clip, parseJsonObject } from './transport';

/**
 * The JSON-RPC layer app-server and mcp-server share: one object per stdout line, our requests
 * matched to their responses, the server's requests answered. The two wires differ only in the
 * `jsonrpc` field (app-server omits it on what it prints and takes messages without it).
 */

export type RpcId = number | string;

export type RpcMessage =
  | { kind: 'request'; id: RpcId; method: string; params: unknown }
  | { kind: 'response'; id: RpcId; result?: unknown; error?: RpcError }
  | { kind: 'notification'; method: string; params: unknown };

export interface RpcError {
  readonly code?: number;
  readonly message: string;
}

const RpcErrorShape = shape({ code: opt(num), message: str });

const isId = (v: unknown): v is RpcId => typeof v === 'number' || typeof v === 'string';

/** JSON-RPC's "method not found": what we answer to a server request we do not support. */
const METHOD_NOT_FOUND = -32601;

/** How we introduce ourselves in `initialize`: the real version of this extension. */
export function clientInfo(name: string): { name: string; title: string; version: string } {
  return { name, title: 'Codex Tasks (VS Code)', version };
}

/**
 * Classifies a parsed line: a request from the server (id and method), a response to one of ours (id,
 * result or error), or a notification (method only); a reason for anything else. Checked field by
 * field rather than as a union: a union would build and discard an error for every notification, the
 * most common line by far.
 */
export function classify(o: Record<string, unknown>): RpcMessage | string {
  const hasId = 'id' in o;
  if (hasId && !isId(o.id)) {
    return 'not a JSON-RPC message (id is neither a number nor a string)';
  }
  if (typeof o.method === 'string') {
    return hasId ? { kind: 'request', id: o.id as RpcId, method: o.method, params: o.params } : { kind: 'notification', method: o.method, params: o.params };
  }
  if ('method' in o) {
    return 'not a JSON-RPC message (method is not a string)';
  }
  if (!hasId) {
    return 'not a JSON-RPC message';
  }
  if (o.error !== undefined) {
    if (!RpcErrorShape(o.error)) {
      return 'not a JSON-RPC message (error without a message)';
    }
    return { kind: 'response', id: o.id as RpcId, result: o.result, error: o.error };
  }
  return { kind: 'response', id: o.id as RpcId, result: o.result };
}

/** What a wire does with each kind of message (`line` is the raw line, for events that keep it). */
export interface RpcHandlers {
  /** A response; `method` is what it answers (undefined for an id we never sent). */
  onResponse(method: string | undefined, result: unknown, error: RpcError | undefined, line: string): void;
  /** A request from codex; `requestId` is its id as a string (answer with `respond(requestId, …)`). */
  onRequest(requestId: string, method: string, params: unknown, line: string): void;
  onNotification(method: string, params: unknown, line: string): void;
}

/** One JSON-RPC conversation with one codex process. */
export class JsonRpcSession {
  private nextId = 1;
  /** Our requests in flight: id → method. */
  private readonly pending = new Map<number, string>();
  /** Codex's requests not yet answered: their id as we show it (a string) → the id as sent. */
  private readonly asked = new Map<string, RpcId>();

  constructor(
    private readonly send: (line: string) => void,
    private readonly withJsonrpc: boolean,
    private readonly emit: (e: EventBody) => void,
  ) {}

  /** Reads one stdout line and hands it to `on`; anything that is not JSON-RPC is an unknown event. */
  receive(line: string, on: RpcHandlers): void {
    const obj = parseJsonObject(line);
    const m = obj ? classify(obj) : 'not a JSON object';
    if (typeof m === 'string') {
      this.emit({ type: 'unknown', raw: clip(line), reason: m });
      return;
    }
    switch (m.kind) {
      case 'response':
        return on.onResponse(this.settle(m.id), m.result, m.error, line);
      case 'request': {
        const requestId = String(m.id);
        this.asked.set(requestId, m.id);
        return on.onRequest(requestId, m.method, m.params, line);
      }
      case 'notification':
        return on.onNotification(m.method, m.params, line);
    }
  }

  request(method: string, params: unknown): number {
    const id = this.nextId++;
    this.pending.set(id, method);
    this.write({ id, method, params });
    return id;
  }

  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /** Answers codex's request `requestId` (as `onRequest` gave it), with the id it was sent with. */
  respond(requestId: string, result: unknown): void {
    this.write({ id: this.answered(requestId), result });
  }

  /**
   * Answers a request we do not support with an error, so that codex does not wait for us forever,
   * and records it as an unknown event.
   */
  refuse(requestId: string, method: string, line: string): void {
    this.write({ id: this.answered(requestId), error: { code: METHOD_NOT_FOUND, message: `Codex Tasks does not support ${method}` } });
    this.emit({ type: 'unknown', raw: clip(line), reason: `server request ${method} is not supported; answered with an error` });
  }

  private answered(requestId: string): RpcId {
    const id = this.asked.get(requestId) ?? requestId;
    this.asked.delete(requestId);
    return id;
  }

  /** The method a response answers (and forgets the request), or undefined for an unknown id. */
  private settle(id: RpcId): string | undefined {
    const n = typeof id === 'number' ? id : Number(id);
    const m = this.pending.get(n);
    this.pending.delete(n);
    return m;
  }

  private write(msg: Record<string, unknown>): void {
    this.send(JSON.stringify(this.withJsonrpc ? { jsonrpc: '2.0', ...msg } : msg));
  }
}
