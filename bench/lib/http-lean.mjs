// A lean HTTP/1.1 client: persistent connections (one request in flight per
// connection, no pipelining), Content-Length and chunked responses. It exists
// because node:http's receive path costs the client ~1-1.8 ms of CPU per MiB
// (a fresh 64 KiB buffer per socket read plus a copy of every body chunk),
// about 6× what the servers under test spend sending it - on a 2-core machine
// that CPU is taken from the server. Here each connection reads into one
// reused buffer (net's `onread`), and body bytes are handed to the caller's
// sink as (buffer, start, end) views that are only valid during the call.
import net from 'node:net';
import { BenchError } from './errors.mjs';

const READ_BUFFER = 256 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

// response framing states
const HEAD = 0, BODY = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_CRLF = 4, TRAILER = 5, UNTIL_CLOSE = 6;

class Connection {
  constructor(pool) {
    this.pool = pool;
    this.pending = null; // { sink, resolve, reject, what, method }
    this.dead = false;
    this.state = HEAD;
    this.head = ''; // header bytes carried over between reads
    this.left = 0; // body/chunk bytes still expected
    this.line = ''; // partial chunk-size/trailer line
    this.close = false; // server said Connection: close
    this.served = 0; // responses completed on this connection
    this.gotBytes = false; // any response bytes for the pending request yet
    this.sock = net.connect({
      host: pool.host,
      port: pool.port,
      noDelay: true,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n, buf) => this.#onRead(n, buf) },
    });
    this.sock.on('error', (e) => this.#fail(new BenchError('network', e.message)));
    this.sock.on('close', () => this.#fail(new BenchError('network', 'connection closed by server')));
    this.sock.on('end', () => {
      if (this.pending && this.state === UNTIL_CLOSE) this.#finish();
    });
    this.sock.on('timeout', () => {
      this.sock.destroy();
      this.#fail(new BenchError('network', `no response within ${pool.timeoutMs / 1000} s`));
    });
  }

  send(method, path, headerBlock, body, sink, what) {
    return new Promise((resolve, reject) => {
      this.pending = { sink, resolve, reject, what, method };
      this.gotBytes = false;
      this.state = HEAD;
      this.head = '';
      this.sock.setTimeout(this.pool.timeoutMs);
      const head = `${method} ${path} HTTP/1.1\r\n${headerBlock}\r\n`;
      if (body && body.length) {
        // One writev for head + body; the body buffer is referenced, not copied.
        this.sock.cork();
        this.sock.write(head, 'latin1');
        this.sock.write(body);
        this.sock.uncork();
      } else this.sock.write(head, 'latin1');
    });
  }

  #fail(err) {
    this.dead = true;
    this.pool.drop(this);
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    err.message = `${p.what}: ${err.message}`;
    // A kept-alive connection the server closed just as we reused it: nothing
    // was answered, so the request may be sent again on a new connection.
    err.retryable = this.served > 0 && !this.gotBytes;
    p.reject(err);
  }

  #finish() {
    const p = this.pending;
    this.pending = null;
    this.served++;
    this.sock.setTimeout(0);
    let value, error;
    try {
      value = p.sink.onEnd();
    } catch (e) {
      error = e;
    }
    if (this.close || this.state === UNTIL_CLOSE) {
      this.dead = true;
      this.sock.destroy();
      this.pool.drop(this);
    } else this.pool.release(this);
    this.state = HEAD;
    if (error) p.reject(error);
    else p.resolve(value);
  }

  #onRead(n, buf) {
    let i = 0;
    this.gotBytes = true;
    try {
      while (i < n) {
        if (!this.pending) throw new BenchError('network', `${n - i} unexpected bytes from server between responses`);
        const sink = this.pending.sink;
        switch (this.state) {
          case HEAD: {
            const view = buf.subarray(i, n);
            const k = this.head ? -1 : view.indexOf(CRLFCRLF);
            if (k < 0) {
              // Header split across reads (rare): keep it and wait for more.
              this.head += view.toString('latin1');
              const j = this.head.indexOf('\r\n\r\n');
              if (j < 0) {
                if (this.head.length > 65536) throw new BenchError('network', 'response header too large');
                return;
              }
              // the terminator straddled the read boundary
              const used = j + 4 - (this.head.length - view.length);
              this.#parseHead(this.head.slice(0, j));
              i += used;
            } else {
              this.#parseHead(this.head + view.toString('latin1', 0, k));
              i += k + 4;
            }
            this.head = '';
            if (this.state === BODY && this.left === 0) this.#finish();
            break;
          }
          case BODY: {
            const m = Math.min(this.left, n - i);
            sink.onData(buf, i, i + m);
            i += m;
            this.left -= m;
            if (this.left === 0) this.#finish();
            break;
          }
          case UNTIL_CLOSE:
            sink.onData(buf, i, n);
            i = n;
            break;
          case CHUNK_SIZE:
          case TRAILER: {
            const nl = buf.indexOf(10, i);
            const end = nl < 0 || nl >= n ? n : nl + 1;
            this.line += buf.toString('latin1', i, end);
            i = end;
            if (!this.line.endsWith('\n')) break;
            const line = this.line.trim();
            this.line = '';
            if (this.state === TRAILER) {
              if (line === '') this.#finish();
            } else {
              const size = parseInt(line, 16); // ignores ;extensions
              if (Number.isNaN(size)) throw new BenchError('network', `bad chunk size line "${line}"`);
              if (size === 0) this.state = TRAILER;
              else {
                this.left = size;
                this.state = CHUNK_DATA;
              }
            }
            break;
          }
          case CHUNK_DATA: {
            const m = Math.min(this.left, n - i);
            sink.onData(buf, i, i + m);
            i += m;
            this.left -= m;
            if (this.left === 0) {
              this.state = CHUNK_CRLF;
              this.left = 2;
            }
            break;
          }
          case CHUNK_CRLF: {
            const m = Math.min(this.left, n - i);
            i += m;
            this.left -= m;
            if (this.left === 0) this.state = CHUNK_SIZE;
            break;
          }
        }
      }
    } catch (e) {
      this.sock.destroy();
      this.#fail(e instanceof BenchError ? e : new BenchError('network', e.message));
    }
  }

  #parseHead(text) {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) throw new BenchError('network', `bad status line "${lines[0].slice(0, 80)}"`);
    const status = Number(m[1]);
    const headers = {};
    for (let j = 1; j < lines.length; j++) {
      const c = lines[j].indexOf(':');
      if (c > 0) headers[lines[j].slice(0, c).trim().toLowerCase()] = lines[j].slice(c + 1).trim();
    }
    if (status >= 100 && status < 200) return; // interim response (100 Continue): the real one follows
    this.close = (headers.connection ?? '').toLowerCase() === 'close';
    this.pending.sink.onHead(status, headers);
    if (this.pending.method === 'HEAD' || status === 204 || status === 304) {
      this.state = BODY;
      this.left = 0;
    } else if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      this.state = CHUNK_SIZE;
      this.line = '';
    } else if (headers['content-length'] !== undefined) {
      this.state = BODY;
      this.left = Number(headers['content-length']);
    } else this.state = UNTIL_CLOSE;
  }
}

export class LeanPool {
  constructor({ host, port, maxSockets, timeoutMs = 120_000 }) {
    this.host = host;
    this.port = port;
    this.maxSockets = maxSockets;
    this.timeoutMs = timeoutMs;
    this.idle = [];
    this.all = new Set();
    this.waiting = [];
    this.retries = 0;
  }

  /** Sends one request; `headers` is a plain object. Resolves with sink.onEnd()'s value. */
  request(method, path, headers, body, sink, what) {
    let block = '';
    for (const k in headers) block += k + ': ' + headers[k] + '\r\n';
    const attempt = () => {
      const conn = this.#take();
      if (conn) return conn.send(method, path, block, body, sink, what);
      return new Promise((resolve) => this.waiting.push(resolve)).then((c) => c.send(method, path, block, body, sink, what));
    };
    return attempt().catch((e) => {
      if (!e.retryable) throw e;
      this.retries++;
      return attempt();
    });
  }

  #take() {
    while (this.idle.length) {
      const c = this.idle.pop();
      if (!c.dead) return c;
    }
    if (this.all.size < this.maxSockets) {
      const c = new Connection(this);
      this.all.add(c);
      return c;
    }
    return null;
  }

  release(conn) {
    const w = this.waiting.shift();
    if (w) w(conn);
    else this.idle.push(conn);
  }

  drop(conn) {
    this.all.delete(conn);
    const w = this.waiting.length && this.all.size < this.maxSockets ? this.waiting.shift() : null;
    if (w) {
      const c = new Connection(this);
      this.all.add(c);
      w(c);
    }
  }

  close() {
    for (const c of this.all) {
      c.dead = true;
      c.sock.destroy();
    }
    this.all.clear();
    this.idle = [];
  }
}
