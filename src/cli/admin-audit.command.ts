/**
 * `cairn admin audit verify|export|replay`: the audit log, read offline from drive
 * directories (read-only; the server may be running) or, with `--endpoint URL`, from a
 * running server through the admin API (signed by the root user).
 *
 *   verify [--json] DRIVE...                                  check every chain and that the drives agree
 *   export --bucket B [--since T] [--until T] DRIVE...         a bucket's events as JSON Lines
 *   replay --bucket B --at T DRIVE...                          the bucket at T, as ListObjectVersions
 */
import { expandEllipsis } from '../config/ellipsis';
import { parseIsoInstant } from '../domain/rules/iso-instant';
import { openDrivesReadOnly, type OpenedDrives } from '../infra/eventlog/audit-drives';
import { auditLines } from '../infra/eventlog/log-export';
import { replayBucket } from '../infra/eventlog/log-replay';
import { verifyLogs, type VerifyReport } from '../infra/eventlog/log-verifier';
import { renderAllVersions } from '../modules/s3-api/xml/list-versions.xml';
import { ownerOf } from '../modules/s3-api/s3-owner';
import { adminRequest, refusalOf, unreachable } from './admin-client';
import { parseArgs, stringOption, type ParsedArgs } from './args';
import { formatVerifyReport } from './audit-report';

export const AUDIT_USAGE = `usage:
  cairn admin audit verify [--json] (DRIVE... | --endpoint URL)
  cairn admin audit export --bucket B [--since T] [--until T] (DRIVE... | --endpoint URL)
  cairn admin audit replay --bucket B --at T (DRIVE... | --endpoint URL)
T: an ISO 8601 instant (2026-12-01T19:20:00Z; UTC when no zone is given)`;

class UsageError extends Error {}

export async function runAdminAudit(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    const args = parseArgs(rest, ['endpoint', 'bucket', 'since', 'until', 'at']);
    const endpoint = stringOption(args, 'endpoint');
    const drives = args.positional.flatMap(expandEllipsis);
    if ((endpoint === undefined) === (drives.length === 0)) throw new UsageError('give either drive directories or --endpoint URL');
    switch (verb) {
      case 'verify':
        return await verify(args, endpoint, drives);
      case 'export':
        return await exportEvents(args, endpoint, drives);
      case 'replay':
        return await replay(args, endpoint, drives);
      default:
        throw new UsageError(`unknown audit command "${verb ?? ''}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && error.message.startsWith('--'))) {
      console.error(`cairn admin audit: ${error.message}\n${AUDIT_USAGE}`);
      return 2;
    }
    throw error;
  }
}

async function verify(args: ParsedArgs, endpoint: string | undefined, drives: string[]): Promise<number> {
  let report: VerifyReport;
  if (endpoint) {
    const response = await call(endpoint, 'audit/verify', {});
    if (typeof response === 'number') return response;
    report = (await response.json()) as VerifyReport;
  } else {
    report = await withDrives(drives, (opened) => verifyLogs(opened.drives, opened.unreadable));
  }
  console.log(args.options.has('json') ? JSON.stringify(report) : formatVerifyReport(report));
  return report.ok ? 0 : 1;
}

async function exportEvents(args: ParsedArgs, endpoint: string | undefined, drives: string[]): Promise<number> {
  const bucket = required(args, 'bucket');
  const since = instant(args, 'since');
  const until = instant(args, 'until');
  if (endpoint) {
    const response = await call(endpoint, 'audit/export', { bucket, since: stringOption(args, 'since'), until: stringOption(args, 'until') });
    if (typeof response === 'number') return response;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) await write(Buffer.from(chunk));
    return 0;
  }
  return withDrives(drives, async (opened) => {
    const drive = opened.drives[0];
    if (!drive) return noReadableDrive(opened);
    console.error(`cairn: reading the log of ${drive.label}`);
    for await (const line of auditLines(drive.events, { bucket, since, until })) await write(`${JSON.stringify(line)}\n`);
    return 0;
  });
}

async function replay(args: ParsedArgs, endpoint: string | undefined, drives: string[]): Promise<number> {
  const bucket = required(args, 'bucket');
  const at = instant(args, 'at');
  if (at === undefined) throw new UsageError('--at T is required');
  if (endpoint) {
    const response = await call(endpoint, 'audit/replay', { bucket, at: stringOption(args, 'at') });
    if (typeof response === 'number') return response;
    console.log(await response.text());
    return 0;
  }
  return withDrives(drives, async (opened) => {
    const drive = opened.drives[0];
    if (!drive) return noReadableDrive(opened);
    console.error(`cairn: reading the log of ${drive.label}`);
    const result = await replayBucket(drive.events, bucket, at);
    if (!result.bucketExisted) {
      console.error(`cairn: bucket ${bucket} did not exist at ${new Date(at).toISOString()}`);
      return 1;
    }
    const rootUser = process.env.CAIRN_ROOT_USER ?? process.env.MINIO_ROOT_USER ?? 'minioadmin';
    console.log(renderAllVersions(bucket, result.projection.versionListing(bucket), ownerOf(rootUser)));
    return 0;
  });
}

async function call(endpoint: string, path: string, params: Record<string, string | undefined>): Promise<Response | number> {
  let response: Response;
  try {
    response = await adminRequest(endpoint, path, params);
  } catch (error) {
    console.error(unreachable(endpoint, error));
    return 1;
  }
  if (response.ok && response.body) return response;
  console.error(`cairn: ${path.replace('/', ' ')} refused: ${await refusalOf(response)}`);
  return 1;
}

async function withDrives<T>(paths: string[], use: (opened: OpenedDrives) => Promise<T>): Promise<T> {
  const opened = await openDrivesReadOnly(paths);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}

function noReadableDrive(opened: OpenedDrives): number {
  for (const drive of opened.unreadable) console.error(`cairn: ${drive.label}: ${drive.reason}`);
  console.error('cairn: no readable drive');
  return 1;
}

function required(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function instant(args: ParsedArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const ms = parseIsoInstant(text);
  if (ms === undefined) throw new UsageError(`--${name} ${text} is not an ISO 8601 instant`);
  return ms;
}

/** Writes to stdout, waiting when the pipe is full (a large export must not pile up in memory). */
function write(data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
