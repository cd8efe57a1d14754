/* tslint:disable */
/* eslint-disable */

export type Payload = string | Uint8Array | ArrayBuffer | null | undefined;
export type HeadersInit = Headers | Map<string, string | string[]> | Record<string, string | string[]>;
export interface ConnectionEvent { type: "connect" | "disconnect" | "reconnect" | "error" | "ldm" | "close"; server?: string; reason?: string; error?: Error; }
export interface ConnectOptions {
    servers?: string | string[]; name?: string; token?: string; user?: string; pass?: string; echo?: boolean;
    inboxPrefix?: string; reconnect?: boolean; maxReconnectAttempts?: number; reconnectTimeWait?: number;
    reconnectMaxWait?: number; reconnectJitter?: number; reconnectBufferSize?: number; maxPendingBytes?: number;
    maxPendingMsgs?: number; pingInterval?: number; maxPingOut?: number; timeout?: number; ignoreClusterUpdates?: boolean;
    onConnect?: (e: ConnectionEvent) => void; onDisconnect?: (e: ConnectionEvent) => void;
    onReconnect?: (e: ConnectionEvent) => void; onError?: (e: ConnectionEvent) => void; onClose?: (e: ConnectionEvent) => void;
}
export interface PublishOptions { headers?: HeadersInit; reply?: string; }
export interface SubscribeOptions { queue?: string; max?: number; callback?: (msg: Msg) => void; }
export interface RequestOptions { headers?: HeadersInit; timeout?: number; }
export interface JsPublishOptions { headers?: HeadersInit; msgID?: string; timeout?: number;
expect?: { stream?: string; lastSequence?: number; lastSubjectSequence?: number; lastMsgID?: string }; }
export interface PubAck { stream: string; seq: number; duplicate: boolean; domain?: string; }
export interface FetchOpts { batch?: number; expires?: number; noWait?: boolean; }
export interface KvWatchOptions { key?: string; include?: "last" | "new" | "all"; callback?: (e: KvEntry) => void; }
export interface Subscription extends AsyncIterable<Msg> {}
export interface KvWatch extends AsyncIterable<KvEntry> {}
export interface Headers extends Iterable<[string, string]> {}



/**
 * A connection, made by `connect`.
 */
export class Connection {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Closes now.
     */
    close(): Promise<void>;
    /**
     * Resolves when the connection is closed for good: `undefined`, or the error that closed it.
     */
    closed(): Promise<Error | undefined>;
    /**
     * Creates or updates a consumer from a `ConsumerConfig` object.
     */
    consumerCreate(stream: string, config: any): Promise<any>;
    /**
     * Unsubscribes everything, waits for the server to confirm, then closes.
     */
    drain(): Promise<void>;
    /**
     * Pulls up to `batch` messages (default 1) from a pull consumer, waiting at most `expires` ms
     * (default 5000); acknowledge each with `msg.ack()`.
     */
    fetch(stream: string, consumer: string, options?: FetchOpts): Promise<Msg[]>;
    /**
     * Resolves once the server has processed everything sent so far.
     */
    flush(): Promise<void>;
    /**
     * Publishes into a stream; resolves with the `PubAck`.
     */
    jsPublish(subject: string, data?: Payload, options?: JsPublishOptions): Promise<PubAck>;
    /**
     * Creates a KV bucket; `history` revisions per key (default 1), `ttl` in ms (0 = forever).
     */
    kvCreate(bucket: string, options?: { history?: number; ttl?: number }): Promise<any>;
    /**
     * Deletes a key (`{purge: true}` also drops its history); resolves with the marker's revision.
     */
    kvDelete(bucket: string, key: string, options?: { purge?: boolean }): Promise<number>;
    /**
     * The current value of a key, or `null`.
     */
    kvGet(bucket: string, key: string): Promise<KvEntry | null>;
    /**
     * Stores a value; resolves with its revision.
     */
    kvPut(bucket: string, key: string, value?: Payload): Promise<number>;
    /**
     * Watches a bucket (`key` filter, default all keys); `include` is `"last"` (latest value of each
     * key, then updates; default), `"new"` or `"all"`. With `callback`, every entry is passed to it.
     */
    kvWatch(bucket: string, options?: KvWatchOptions): Promise<KvWatch>;
    newInbox(): string;
    /**
     * Calls `callback(event)` on `"connect"`, `"disconnect"`, `"reconnect"`, `"error"`, `"ldm"`
     * or `"close"`.
     */
    on(event: string, callback: Function): void;
    publish(subject: string, data?: Payload, options?: PublishOptions): void;
    /**
     * Sends a request and resolves with the first reply; rejects with code `"503"` when nobody
     * listens and `"TIMEOUT"` after `timeout` ms (default 5000).
     */
    request(subject: string, data?: Payload, options?: RequestOptions): Promise<Msg>;
    /**
     * `{inMsgs, inBytes, outMsgs, outBytes, reconnects}`.
     */
    stats(): any;
    /**
     * Creates a stream from a `StreamConfig` object.
     */
    streamCreate(config: any): Promise<any>;
    /**
     * The `StreamInfo` of a stream.
     */
    streamInfo(stream: string): Promise<any>;
    /**
     * Every stream's `StreamInfo`, optionally only streams with subjects matching `subject`.
     */
    streamList(subject?: string | null): Promise<any[]>;
    /**
     * Subscribes. With `callback`, every message is passed to it; otherwise iterate the result.
     */
    subscribe(subject: string, options?: SubscribeOptions): Subscription;
    /**
     * The server's `INFO`.
     */
    readonly info: any;
    /**
     * The URL of the server in use.
     */
    readonly server: string;
    /**
     * `"connecting"`, `"connected"`, `"reconnecting"`, `"draining"` or `"closed"`.
     */
    readonly status: string;
}

/**
 * NATS message headers: ordered, multi-valued, names matched case-insensitively.
 */
export class Headers {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Adds a value, keeping existing ones.
     */
    append(name: string, value: string): void;
    delete(name: string): void;
    /**
     * `[name, value]` pairs, one per value.
     */
    entries(): [string, string][];
    /**
     * Calls `callback(value, name)` for every value.
     */
    forEach(callback: Function): void;
    getAll(name: string): string[];
    get(name: string): string | undefined;
    has(name: string): boolean;
    /**
     * Distinct names, in order of first appearance.
     */
    keys(): string[];
    constructor();
    /**
     * Replaces every value of `name`.
     */
    set(name: string, value: string): void;
    readonly description: string | undefined;
    /**
     * Number of values.
     */
    readonly size: number;
    /**
     * Status code of a status message (503, 404, 408, 100, …).
     */
    readonly status: number | undefined;
}

/**
 * One revision of a KV key.
 */
export class KvEntry {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    json(): any;
    string(): string;
    readonly bucket: string;
    readonly created: string | undefined;
    /**
     * Revisions still to come in a watch's initial values (0 on the last).
     */
    readonly delta: number;
    readonly key: string;
    /**
     * `"PUT"`, `"DEL"` or `"PURGE"`.
     */
    readonly operation: string;
    readonly revision: number;
    readonly value: Uint8Array;
}

/**
 * A running KV watch: `for await (const e of watch)`; `stop()` ends it.
 */
export class KvWatch {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    next(): Promise<KvEntry | undefined>;
    stop(): void;
}

/**
 * A received message.
 */
export class Msg {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Acknowledges and resolves once the server has recorded the ack.
     */
    ackSync(): Promise<void>;
    /**
     * Acknowledges a JetStream message.
     */
    ack(): void;
    /**
     * The payload parsed as JSON.
     */
    json(): any;
    /**
     * Asks for redelivery, after `delay` ms if given.
     */
    nak(delay?: number | null): void;
    /**
     * Publishes to the reply subject; `false` when the message has none.
     */
    respond(data?: Payload, options?: PublishOptions): boolean;
    /**
     * The payload as UTF-8 text.
     */
    string(): string;
    /**
     * Stops redelivery.
     */
    term(): void;
    /**
     * Resets the ack timer (work in progress).
     */
    working(): void;
    /**
     * The payload bytes.
     */
    readonly data: Uint8Array;
    readonly headers: Headers | undefined;
    /**
     * JetStream metadata from the `$JS.ACK.…` reply subject, if this is a JetStream message.
     */
    readonly info: any;
    readonly reply: string | undefined;
    readonly sid: number;
    readonly subject: string;
}

/**
 * A subscription: `for await (const m of sub)`, or `await sub.next()`.
 */
export class Subscription {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * The next message, or `undefined` once the subscription has ended.
     */
    next(): Promise<Msg | undefined>;
    /**
     * Unsubscribes now, or after `max` messages in total.
     */
    unsubscribe(max?: number | null): void;
    /**
     * Messages dropped because the queue was over its limits.
     */
    readonly dropped: number;
    /**
     * Messages waiting to be read.
     */
    readonly pending: number;
    readonly sid: number;
    readonly subject: string;
}

/**
 * Connects to a NATS server over WebSocket. `url` is a `ws://`/`wss://` URL or a list of them
 * (`options.servers` adds more); resolves once connected, rejects when no server could be reached.
 */
export function connect(url: string | string[], options?: ConnectOptions): Promise<Connection>;

export function start(): void;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_connection_free: (a: number, b: number) => void;
    readonly __wbg_headers_free: (a: number, b: number) => void;
    readonly __wbg_kventry_free: (a: number, b: number) => void;
    readonly __wbg_kvwatch_free: (a: number, b: number) => void;
    readonly __wbg_msg_free: (a: number, b: number) => void;
    readonly __wbg_subscription_free: (a: number, b: number) => void;
    readonly connect: (a: any, b: any) => any;
    readonly connection_close: (a: number) => any;
    readonly connection_closed: (a: number) => any;
    readonly connection_consumerCreate: (a: number, b: number, c: number, d: any) => any;
    readonly connection_drain: (a: number) => any;
    readonly connection_fetch: (a: number, b: number, c: number, d: number, e: number, f: any) => any;
    readonly connection_flush: (a: number) => any;
    readonly connection_info: (a: number) => any;
    readonly connection_jsPublish: (a: number, b: number, c: number, d: any, e: any) => any;
    readonly connection_kvCreate: (a: number, b: number, c: number, d: any) => any;
    readonly connection_kvDelete: (a: number, b: number, c: number, d: number, e: number, f: any) => any;
    readonly connection_kvGet: (a: number, b: number, c: number, d: number, e: number) => any;
    readonly connection_kvPut: (a: number, b: number, c: number, d: number, e: number, f: any) => any;
    readonly connection_kvWatch: (a: number, b: number, c: number, d: any) => any;
    readonly connection_newInbox: (a: number) => [number, number];
    readonly connection_on: (a: number, b: number, c: number, d: any) => void;
    readonly connection_publish: (a: number, b: number, c: number, d: any, e: any) => [number, number];
    readonly connection_request: (a: number, b: number, c: number, d: any, e: any) => any;
    readonly connection_server: (a: number) => [number, number];
    readonly connection_stats: (a: number) => any;
    readonly connection_status: (a: number) => [number, number];
    readonly connection_streamCreate: (a: number, b: any) => any;
    readonly connection_streamInfo: (a: number, b: number, c: number) => any;
    readonly connection_streamList: (a: number, b: number, c: number) => any;
    readonly connection_subscribe: (a: number, b: number, c: number, d: any) => [number, number, number];
    readonly headers_append: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly headers_delete: (a: number, b: number, c: number) => void;
    readonly headers_description: (a: number) => [number, number];
    readonly headers_entries: (a: number) => any;
    readonly headers_forEach: (a: number, b: any) => [number, number];
    readonly headers_get: (a: number, b: number, c: number) => [number, number];
    readonly headers_getAll: (a: number, b: number, c: number) => [number, number];
    readonly headers_has: (a: number, b: number, c: number) => number;
    readonly headers_keys: (a: number) => [number, number];
    readonly headers_new: () => number;
    readonly headers_set: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly headers_size: (a: number) => number;
    readonly headers_status: (a: number) => number;
    readonly kventry_bucket: (a: number) => [number, number];
    readonly kventry_created: (a: number) => [number, number];
    readonly kventry_delta: (a: number) => number;
    readonly kventry_json: (a: number) => [number, number, number];
    readonly kventry_key: (a: number) => [number, number];
    readonly kventry_operation: (a: number) => [number, number];
    readonly kventry_revision: (a: number) => number;
    readonly kventry_string: (a: number) => [number, number];
    readonly kventry_value: (a: number) => any;
    readonly kvwatch_next: (a: number) => any;
    readonly kvwatch_stop: (a: number) => void;
    readonly msg_ack: (a: number) => [number, number];
    readonly msg_ackSync: (a: number) => any;
    readonly msg_data: (a: number) => any;
    readonly msg_headers: (a: number) => number;
    readonly msg_info: (a: number) => any;
    readonly msg_json: (a: number) => [number, number, number];
    readonly msg_nak: (a: number, b: number, c: number) => [number, number];
    readonly msg_reply: (a: number) => [number, number];
    readonly msg_respond: (a: number, b: any, c: any) => [number, number, number];
    readonly msg_sid: (a: number) => number;
    readonly msg_string: (a: number) => [number, number];
    readonly msg_subject: (a: number) => [number, number];
    readonly msg_term: (a: number) => [number, number];
    readonly msg_working: (a: number) => [number, number];
    readonly start: () => void;
    readonly subscription_dropped: (a: number) => number;
    readonly subscription_next: (a: number) => any;
    readonly subscription_pending: (a: number) => number;
    readonly subscription_sid: (a: number) => number;
    readonly subscription_subject: (a: number) => [number, number];
    readonly subscription_unsubscribe: (a: number, b: number, c: number) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h60702a48838d1764: (a: number, b: number, c: any) => [number, number];
    readonly wasm_bindgen__convert__closures_____invoke__hb98d63cc49481475: (a: number, b: number, c: any, d: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h46e128dd3e581b60: (a: number, b: number, c: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h46e128dd3e581b60_73: (a: number, b: number, c: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h46e128dd3e581b60_74: (a: number, b: number, c: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h3b5e3d7b797d9e8d: (a: number, b: number) => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __wbindgen_destroy_closure: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
