/**
 * The `cairn` command.
 *   cairn server [--address HOST:PORT] DRIVE...      run the S3 server
 *   cairn admin rebuild DRIVE...                     rebuild projections from the event log (server stopped)
 *   cairn admin heal [BUCKET[/PREFIX]] --endpoint URL check and heal every object version (server running)
 *   cairn admin audit verify|export|replay ...        the audit log (drives, or --endpoint URL)
 */
import { runAdminAudit } from './admin-audit.command';
import { runAdminHeal } from './admin-heal.command';
import { runAdminRebuild } from './admin-rebuild.command';
import { runServer } from './server.command';
import { VERSION } from './version';

const USAGE = `cairn ${VERSION}: an S3-compatible object store

Usage:
  cairn server [--address HOST:PORT] DRIVE...   run the server (drives: dirs or MinIO ellipses, e.g. ./data/disk{1...4})
  cairn admin rebuild DRIVE...                  drop and rebuild the projections from the event log (server stopped)
  cairn admin heal [BUCKET[/PREFIX]] [--deep] [--dry-run] [--json] --endpoint URL
                                                check every object version's shards on a running server and
                                                rebuild missing or damaged ones (--deep verifies every hash)
  cairn admin audit verify [--json] (DRIVE... | --endpoint URL)
                                                check every drive's hash chain and sequence and that the
                                                drives agree; names the first bad record, exits 1
  cairn admin audit export --bucket B [--since T] [--until T] (DRIVE... | --endpoint URL)
                                                a bucket's events as JSON Lines (who, what, when, version, request id)
  cairn admin audit replay --bucket B --at T (DRIVE... | --endpoint URL)
                                                the bucket as it stood at T (ISO 8601), as ListObjectVersions XML

Environment: CAIRN_ROOT_USER / CAIRN_ROOT_PASSWORD (or MINIO_ROOT_USER / MINIO_ROOT_PASSWORD),
CAIRN_REGION, CAIRN_DOMAIN, CAIRN_VOLUMES, CAIRN_STORAGE_CLASS_STANDARD (MINIO_* names accepted),
CAIRN_HEAL_BUDGET (share of time a heal scan may work, 0-1, default 0.25), CAIRN_SCAN_INTERVAL
(seconds between background heal scans, default 21600, 0: off), CAIRN_SCAN_DEEP_EVERY (every n-th scan
verifies every hash, default 4).`;

export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return runServer(rest);
    case 'admin':
      if (rest[0] === 'rebuild') return runAdminRebuild(rest.slice(1));
      if (rest[0] === 'heal') return runAdminHeal(rest.slice(1));
      if (rest[0] === 'audit') return runAdminAudit(rest.slice(1));
      console.error(`cairn admin: unknown command "${rest[0] ?? ''}"\n\n${USAGE}`);
      return 2;
    case '--version':
    case 'version':
      console.log(VERSION);
      return 0;
    case undefined:
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`cairn: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
