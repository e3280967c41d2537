/**
 * What an S3 request is addressed to: bucket, key and query parameters, from path-style
 * URLs (`/bucket/key`) or virtual-host style (`bucket.domain/key`) when the Host header ends
 * with a configured domain. Keys are taken from the raw path so that every byte survives:
 * `//`, trailing slashes, `%2F`, `+` and unicode.
 */
import { s3Error } from '../../domain/errors';

export interface S3Target {
  readonly bucket: string | undefined;
  /** '' when the request is for the bucket (or the service) itself. */
  readonly key: string;
  /** The path as received (percent-encoded). */
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly query: ReadonlyMap<string, string>;
  /** The bucket came from the Host header (virtual-host style), not from the path. */
  readonly virtualHost: boolean;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw s3Error('InvalidURI');
  }
}

export function parseQuery(rawQuery: string): Map<string, string> {
  const query = new Map<string, string>();
  if (!rawQuery) return query;
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    try {
      query.set(decodeURIComponent(name.replace(/\+/g, ' ')), decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      throw s3Error('InvalidURI');
    }
  }
  return query;
}

/** The bucket named by a virtual-host style Host header, if any. */
function bucketFromHost(host: string | undefined, domains: readonly string[]): string | undefined {
  if (!host || domains.length === 0) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  for (const domain of domains) {
    if (name.endsWith(`.${domain}`)) return name.slice(0, -domain.length - 1);
  }
  return undefined;
}

export function parseTarget(url: string, host: string | undefined, domains: readonly string[]): S3Target {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const query = parseQuery(rawQuery);
  if (!rawPath.startsWith('/')) throw s3Error('InvalidURI');

  const hostBucket = bucketFromHost(host, domains);
  if (hostBucket !== undefined) {
    return { bucket: hostBucket, key: decodePath(rawPath.slice(1)), rawPath, rawQuery, query, virtualHost: true };
  }
  const slash = rawPath.indexOf('/', 1);
  const bucketPart = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const keyPart = slash < 0 ? '' : rawPath.slice(slash + 1);
  const bucket = decodePath(bucketPart);
  return { bucket: bucket === '' ? undefined : bucket, key: decodePath(keyPart), rawPath, rawQuery, query, virtualHost: false };
}
