/**
 * Writing S3 responses on the raw Node response (the S3 route hijacks Fastify's reply:
 * bodies are streams of shards, and this path is the hottest in the server).
 */
import type { ServerResponse } from 'node:http';
import { HOST_ID } from './request-id';

export type Headers = Record<string, string | number | undefined>;

/** The client closed the connection while its response was being sent: nothing to answer. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

export class S3Response {
  /** Headers every response to this request carries (CORS headers of a matching rule). */
  private readonly common: Record<string, string> = {};

  constructor(
    readonly raw: ServerResponse,
    readonly requestId: string,
    /** HEAD responses carry headers only. */
    readonly headOnly: boolean,
  ) {}

  get headersSent(): boolean {
    return this.raw.headersSent;
  }

  /** Adds headers to whatever response this request gets, success or error. */
  addCommonHeaders(headers: Record<string, string>): void {
    Object.assign(this.common, headers);
  }

  /** Status and headers; `x-amz-request-id` and `x-amz-id-2` on every response. */
  writeHead(status: number, headers: Headers, contentLength?: number): void {
    const all: Record<string, string | number> = { 'x-amz-request-id': this.requestId, 'x-amz-id-2': HOST_ID, server: 'cairn' };
    for (const name in this.common) all[name] = this.common[name];
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) all[name] = value;
    }
    if (contentLength !== undefined) all['content-length'] = contentLength;
    this.raw.writeHead(status, all);
  }

  /** A complete response with an optional body. */
  send(status: number, headers: Headers, body?: string | Buffer): void {
    // A string goes to the socket as it is (encoded straight into the write): Buffer.from of
    // a 200 KB listing page cost a tenth of the page's CPU, mostly in allocating the copy.
    const length = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    this.writeHead(status, headers, length);
    this.raw.end(this.headOnly ? undefined : body);
  }

  xml(status: number, xml: string | Buffer, headers: Headers = {}): void {
    this.send(status, { 'content-type': 'application/xml', ...headers }, xml);
  }

  /**
   * Writes body chunks; resolves once the socket has taken all of them (the reader reuses
   * their memory afterwards), or the connection is gone. Waiting for the last chunk's write
   * is also the back-pressure: at most one block per response is in flight.
   */
  write(chunks: readonly Buffer[]): Promise<void> {
    if (this.headOnly || chunks.length === 0) return Promise.resolve();
    const raw = this.raw;
    if (raw.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        raw.off('close', done);
        resolve();
      };
      raw.on('close', done);
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) raw.write(chunks[i]);
      // Called once the chunk has been written out, or with an error when the socket is destroyed.
      raw.write(chunks[last], done);
    });
  }

  /** Whether the connection is gone (the client left): there is no point in sending more. */
  get connectionGone(): boolean {
    return this.raw.destroyed;
  }

  end(): void {
    this.raw.end();
  }
}
