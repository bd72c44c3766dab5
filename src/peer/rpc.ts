// Request/response and events over postMessage between the UI thread and the peer worker. Requests carry an id
// and time out; both ends validate every message against rpc-schema.ts (params on the worker, results and events
// on the UI), and a malformed message is answered with an error or dropped — it never reaches a handler.
import {
  EVENT, MAX_PENDING_REQUESTS, PARAMS, RESULTS, RPC_TIMEOUT_MS, type CommandName, type Params, type PeerEvent, type Result,
} from './rpc-schema.ts';

export type RpcErrorCode = 'invalid_params' | 'invalid_result' | 'unknown_command' | 'failed' | 'timeout' | 'closed' | 'busy';

export class RpcError extends Error {
  override name = 'RpcError';
  constructor(readonly code: RpcErrorCode, message: string) {
    super(message);
  }
}

/** Errors a handler throws on purpose carry their code across; anything else becomes 'failed'. */
export type Envelope =
  | { readonly kind: 'request'; readonly id: number; readonly type: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly code: RpcErrorCode; readonly message: string }
  | { readonly kind: 'event'; readonly event: unknown };

/** What both a Worker and a worker's global scope offer. */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

const ERROR_CODES: readonly RpcErrorCode[] = ['invalid_params', 'invalid_result', 'unknown_command', 'failed', 'timeout', 'closed', 'busy'];
const MAX_MESSAGE_LENGTH = 2000;

function isCommand(type: unknown): type is CommandName {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(PARAMS, type);
}

function isId(id: unknown): id is number {
  return Number.isSafeInteger(id) && (id as number) > 0;
}

interface Pending {
  readonly type: CommandName;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RpcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The UI's end: typed calls, validated results and events. */
export class RpcClient {
  readonly #endpoint: Endpoint;
  readonly #pending = new Map<number, Pending>();
  readonly #onEvent: (event: PeerEvent) => void;
  readonly #onWarning: (message: string) => void;
  #nextId = 1;
  #closed = false;

  constructor(endpoint: Endpoint, onEvent: (event: PeerEvent) => void, onWarning: (message: string) => void = () => {}) {
    this.#endpoint = endpoint;
    this.#onEvent = onEvent;
    this.#onWarning = onWarning;
    endpoint.addEventListener('message', this.#listener);
  }

  call<K extends CommandName>(
    type: K,
    params: Params<K>,
    options: { timeout_ms?: number; transfer?: Transferable[] } = {},
  ): Promise<Result<K>> {
    if (this.#closed) return Promise.reject(new RpcError('closed', 'peer worker is closed'));
    if (this.#pending.size >= MAX_PENDING_REQUESTS) return Promise.reject(new RpcError('busy', 'too many requests in flight'));
    try {
      PARAMS[type](params, 'params');
    } catch (error) {
      return Promise.reject(new RpcError('invalid_params', (error as Error).message));
    }
    const id = this.#nextId++;
    const timeout_ms = options.timeout_ms ?? RPC_TIMEOUT_MS;
    return new Promise<Result<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcError('timeout', `${type} took longer than ${timeout_ms} ms`));
      }, timeout_ms);
      this.#pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject, timer });
      this.#endpoint.postMessage({ kind: 'request', id, type, params } satisfies Envelope, options.transfer ?? []);
    });
  }

  close(): void {
    this.#closed = true;
    this.#endpoint.removeEventListener('message', this.#listener);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RpcError('closed', 'peer worker is closed'));
      this.#pending.delete(id);
    }
  }

  readonly #listener = (event: MessageEvent) => {
    const message = event.data as Partial<Record<string, unknown>> | null;
    if (typeof message !== 'object' || message === null) return this.#onWarning('rpc: non-object message');
    if (message.kind === 'event') {
      let checked: PeerEvent;
      try {
        checked = EVENT(message.event, 'event');
      } catch (error) {
        return this.#onWarning(`rpc: dropped event: ${(error as Error).message}`);
      }
      this.#onEvent(checked);
      return;
    }
    if (message.kind !== 'response' || !isId(message.id)) return this.#onWarning('rpc: unknown message');
    const pending = this.#pending.get(message.id);
    if (!pending) return this.#onWarning(`rpc: response to unknown request ${message.id}`);
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok === true) {
      try {
        pending.resolve(RESULTS[pending.type](message.result, 'result'));
      } catch (error) {
        pending.reject(new RpcError('invalid_result', (error as Error).message));
      }
      return;
    }
    const code = ERROR_CODES.includes(message.code as RpcErrorCode) ? (message.code as RpcErrorCode) : 'failed';
    pending.reject(new RpcError(code, String(message.message ?? '').slice(0, MAX_MESSAGE_LENGTH)));
  };
}

export type Handlers = { [K in CommandName]: (params: Params<K>) => Promise<Result<K>> | Result<K> };

/** The worker's end: validates params, runs the handler, answers once; events are validated before they leave. */
export class RpcServer {
  readonly #endpoint: Endpoint;
  readonly #handlers: Handlers;
  #inFlight = 0;

  constructor(endpoint: Endpoint, handlers: Handlers) {
    this.#endpoint = endpoint;
    this.#handlers = handlers;
    endpoint.addEventListener('message', (event: MessageEvent) => void this.#onMessage(event.data));
  }

  emit(event: PeerEvent): void {
    EVENT(event, 'event'); // our own bug if it throws: better loud here than a dropped event on the other side
    this.#endpoint.postMessage({ kind: 'event', event } satisfies Envelope);
  }

  async #onMessage(data: unknown): Promise<void> {
    const message = data as Partial<Record<string, unknown>> | null;
    if (typeof message !== 'object' || message === null || message.kind !== 'request' || !isId(message.id)) return;
    const id = message.id;
    const type = message.type;
    if (!isCommand(type)) return this.#fail(id, 'unknown_command', `no command ${String(type).slice(0, 100)}`);
    if (this.#inFlight >= MAX_PENDING_REQUESTS) return this.#fail(id, 'busy', 'too many requests in flight');
    let params: unknown;
    try {
      params = PARAMS[type](message.params, 'params');
    } catch (error) {
      return this.#fail(id, 'invalid_params', (error as Error).message);
    }
    this.#inFlight++;
    try {
      const handler = this.#handlers[type] as (params: unknown) => Promise<unknown> | unknown;
      const result = await handler(params);
      const transfer = result instanceof Uint8Array && result.byteOffset === 0 && result.buffer instanceof ArrayBuffer &&
        result.byteLength === result.buffer.byteLength ? [result.buffer] : [];
      this.#endpoint.postMessage({ kind: 'response', id, ok: true, result } satisfies Envelope, transfer);
    } catch (error) {
      const code = error instanceof RpcError ? error.code : 'failed';
      this.#fail(id, code, error instanceof Error ? error.message : String(error));
    } finally {
      this.#inFlight--;
    }
  }

  #fail(id: number, code: RpcErrorCode, message: string): void {
    this.#endpoint.postMessage({ kind: 'response', id, ok: false, code, message: message.slice(0, MAX_MESSAGE_LENGTH) } satisfies Envelope);
  }
}
