/**
 * Server settings, from the command line and the environment. Every CAIRN_* variable also
 * accepts MinIO's name, so a MinIO deployment can switch binaries without new settings.
 */
import { expandEllipsis } from './ellipsis';
import { parseStorageClassParity } from '../domain/rules/erasure-layout';

export const DEFAULT_ROOT_USER = 'minioadmin';
export const DEFAULT_ROOT_PASSWORD = 'minioadmin';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_PORT = 9000;
/** AWS's idle limit for a request body, about 20 s. */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 20_000;

export class ServerConfig {
  constructor(
    readonly host: string | undefined,
    readonly port: number,
    readonly drives: readonly string[],
    readonly rootUser: string,
    readonly rootPassword: string,
    /** The region reported by GetBucketLocation and used when a request names none. */
    readonly region: string,
    /** When the operator set a region, signatures must be scoped to it. */
    readonly regionEnforced: boolean,
    /** Domains for virtual-host style requests (bucket.domain). */
    readonly domains: readonly string[],
    /** Parity override (EC:n), undefined for the default by drive count. */
    readonly parity: number | undefined,
    /** How long a request body may send nothing before RequestTimeout (stalled-body.ts). */
    readonly bodyIdleTimeoutMs: number = DEFAULT_BODY_IDLE_TIMEOUT_MS,
  ) {}

  get usingDefaultCredentials(): boolean {
    return this.rootUser === DEFAULT_ROOT_USER && this.rootPassword === DEFAULT_ROOT_PASSWORD;
  }

  get endpoint(): string {
    const host = !this.host || this.host === '0.0.0.0' || this.host === '::' ? 'localhost' : this.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }
}

type Env = Record<string, string | undefined>;

function fromEnv(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** host:port, [ipv6]:port, :port or port. */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:(?:\[([^\]]+)\]|([^:\[\]]*)):)?(\d+)$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`invalid address "${address}" (expected host:port or :port)`);
  return { host: match[1] ?? (match[2] || undefined), port };
}

export function loadServerConfig(options: { drives: string[]; address?: string }, env: Env = process.env): ServerConfig {
  const driveArgs = options.drives.length > 0 ? options.drives : (fromEnv(env, 'CAIRN_VOLUMES', 'MINIO_VOLUMES') ?? '').split(/\s+/).filter(Boolean);
  const drives = driveArgs.flatMap(expandEllipsis);
  const { host, port } = parseAddress(options.address ?? fromEnv(env, 'CAIRN_ADDRESS', 'MINIO_ADDRESS') ?? `:${DEFAULT_PORT}`);

  const rootUser = fromEnv(env, 'CAIRN_ROOT_USER', 'MINIO_ROOT_USER', 'MINIO_ACCESS_KEY') ?? DEFAULT_ROOT_USER;
  const rootPassword = fromEnv(env, 'CAIRN_ROOT_PASSWORD', 'MINIO_ROOT_PASSWORD', 'MINIO_SECRET_KEY') ?? DEFAULT_ROOT_PASSWORD;
  if (rootUser.length < 3) throw new Error('the root user must be at least 3 characters long');
  if (rootPassword.length < 8) throw new Error('the root password must be at least 8 characters long');

  const configuredRegion = fromEnv(env, 'CAIRN_REGION', 'MINIO_REGION', 'MINIO_SITE_REGION');
  const domains = (fromEnv(env, 'CAIRN_DOMAIN', 'MINIO_DOMAIN') ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  const storageClass = fromEnv(env, 'CAIRN_STORAGE_CLASS_STANDARD', 'MINIO_STORAGE_CLASS_STANDARD');

  return new ServerConfig(
    host,
    port,
    drives,
    rootUser,
    rootPassword,
    configuredRegion ?? DEFAULT_REGION,
    configuredRegion !== undefined,
    domains,
    storageClass ? parseStorageClassParity(storageClass) : undefined,
    bodyIdleTimeoutFrom(env.CAIRN_BODY_IDLE_TIMEOUT),
  );
}

/** CAIRN_BODY_IDLE_TIMEOUT: seconds a request body may send nothing (default 20). */
function bodyIdleTimeoutFrom(setting: string | undefined): number {
  if (setting === undefined) return DEFAULT_BODY_IDLE_TIMEOUT_MS;
  const seconds = Number(setting);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`CAIRN_BODY_IDLE_TIMEOUT must be a positive number of seconds, not ${setting}`);
  return seconds * 1000;
}
