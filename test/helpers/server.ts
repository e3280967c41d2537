/**
 * A real `cairn server` process on temp drive directories, for e2e and fault tests.
 * Spawns the built CLI (dist/), waits for the banner, and can stop, kill -9 and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { drivePaths, tempDir } from './temp-dirs';

export const ROOT = path.resolve(__dirname, '../..');
/** The launcher (sets cairn's node flags and execs node: the pid is the server's). */
export const CAIRN = path.join(ROOT, 'bin/cairn');
export const ACCESS_KEY = 'cairn-test-admin';
export const SECRET_KEY = 'cairn-test-secret-key';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServerOptions {
  drives?: number;
  /** Reuse existing drive directories (restart on the same data). */
  drivePaths?: string[];
  env?: Record<string, string>;
  port?: number;
}

export class CairnServer {
  process: ChildProcess | undefined;
  output = '';
  private exited: Promise<number | null> | undefined;

  private constructor(
    readonly drives: string[],
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly cleanup: () => void,
  ) {}

  static async start(options: ServerOptions = {}): Promise<CairnServer> {
    let cleanup = () => undefined as void;
    let drives = options.drivePaths;
    if (!drives) {
      const root = tempDir('cairn-e2e-');
      cleanup = root.remove;
      drives = drivePaths(root.path, options.drives ?? 4);
    }
    const server = new CairnServer(drives, options.port ?? (await freePort()), options.env ?? {}, cleanup);
    await server.launch();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the process and resolves once it listens (or rejects with its output if it exits).
   * `extraEnv` applies to this launch only, on top of the server's environment.
   */
  async launch(extraEnv: Record<string, string> = {}): Promise<void> {
    const child = spawn(CAIRN, ['server', ...this.drives, '--address', `127.0.0.1:${this.port}`], {
      env: { ...process.env, CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    this.output = '';
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cairn did not start in 20 s:\n${this.output}`)), 20_000);
      const onData = () => {
        if (this.output.includes('API: ')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      void this.exited!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`cairn exited with ${code} before listening:\n${this.output}`));
      });
    });
  }

  /** SIGTERM and wait: a clean shutdown. */
  async stop(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    this.process.kill('SIGTERM');
    await this.exited;
  }

  /** kill -9: the process gets no chance to flush or clean up. */
  async kill9(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its drives (unless they were given by the caller). */
  async dispose(): Promise<void> {
    await this.kill9();
    this.cleanup();
  }
}

/** Runs `cairn <args>` to completion. */
export function runCairn(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CAIRN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cairn ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
