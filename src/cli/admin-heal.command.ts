/**
 * `cairn admin heal [BUCKET[/PREFIX]] [--deep] [--dry-run] [--json] --endpoint URL`: asks a
 * running server to check (and heal) every object version, showing live progress.
 * Credentials: CAIRN_ROOT_USER / CAIRN_ROOT_PASSWORD (or MINIO_ROOT_USER / MINIO_ROOT_PASSWORD).
 */
import { signRequest } from '../infra/http/sigv4-signer';
import { parseArgs, stringOption } from './args';

interface HealReport {
  readonly type: 'progress' | 'result' | 'error';
  readonly total?: number;
  readonly objects?: number;
  readonly versions?: number;
  readonly damaged?: number;
  readonly healed?: number;
  readonly failed?: number;
  readonly bytes?: number;
  readonly code?: string;
  readonly message?: string;
}

const USAGE = 'usage: cairn admin heal [BUCKET[/PREFIX]] [--deep] [--dry-run] [--json] --endpoint URL';

export async function runAdminHeal(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['endpoint']);
  const endpoint = stringOption(args, 'endpoint');
  if (!endpoint || args.positional.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const accessKey = process.env.CAIRN_ROOT_USER ?? process.env.MINIO_ROOT_USER ?? 'minioadmin';
  const secretKey = process.env.CAIRN_ROOT_PASSWORD ?? process.env.MINIO_ROOT_PASSWORD ?? 'minioadmin';
  const json = args.options.has('json');

  const url = new URL('/.cairn/admin/v1/heal', endpoint);
  const [bucket, ...prefix] = (args.positional[0] ?? '').split('/');
  if (bucket) url.searchParams.set('bucket', bucket);
  if (prefix.length > 0) url.searchParams.set('prefix', prefix.join('/'));
  if (args.options.has('deep')) url.searchParams.set('deep', 'true');
  if (args.options.has('dry-run')) url.searchParams.set('dry-run', 'true');

  const region = process.env.CAIRN_REGION ?? process.env.MINIO_REGION ?? 'us-east-1';
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: signRequest({ method: 'POST', url, accessKey, secretKey, region }) });
  } catch (error) {
    console.error(`cairn: cannot reach ${endpoint}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
    return 1;
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    const report = safeParse(text);
    console.error(`cairn: heal refused: ${report?.code ?? response.status} ${report?.message ?? text}`);
    return 1;
  }

  const started = Date.now();
  const live = !json && process.stdout.isTTY;
  let result: HealReport | undefined;
  let buffered = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffered += Buffer.from(chunk).toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const report = safeParse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (!report) continue;
      if (report.type === 'error') {
        console.error(`\ncairn: heal failed: ${report.code}: ${report.message}`);
        return 1;
      }
      if (report.type === 'result') result = report;
      else if (!json) process.stdout.write(`${live ? '\r' : ''}${progressLine(report, Date.now() - started)}${live ? '' : '\n'}`);
    }
  }
  if (!result) {
    console.error('\ncairn: the server ended the heal without a result');
    return 1;
  }
  if (json) {
    console.log(JSON.stringify({ scanned: result.objects, versions: result.versions, damaged: result.damaged, healed: result.healed, failed: result.failed }));
  } else {
    if (live) process.stdout.write('\r\x1b[K');
    console.log(
      `Heal ${args.options.has('dry-run') ? '(dry run) ' : ''}done in ${seconds(Date.now() - started)}: ${result.objects} objects scanned (${result.versions} versions, ${mib(result.bytes ?? 0)}), ` +
        `${result.damaged} damaged, ${result.healed} healed, ${result.failed} failed`,
    );
  }
  return (result.failed ?? 0) > 0 ? 1 : 0;
}

function progressLine(report: HealReport, elapsedMs: number): string {
  const done = report.objects ?? 0;
  const total = report.total ?? 0;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 && total > done ? seconds(((total - done) / rate) * 1000) : '-';
  return (
    `scanned ${done}/${total} objects, healed ${report.healed}, failed ${report.failed}, ${mib(report.bytes ?? 0)}, ` +
    `${rate.toFixed(1)} objects/s, ETA ${eta}`
  );
}

function safeParse(line: string): HealReport | undefined {
  try {
    return JSON.parse(line) as HealReport;
  } catch {
    return undefined;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
