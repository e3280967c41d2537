/**
 * `cairn server`: opens the drives (which may refuse start-up), then starts Nest on Fastify.
 */
import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadServerConfig, type ServerConfig, DEFAULT_ROOT_PASSWORD, DEFAULT_ROOT_USER } from '../config/server-config';
import { describeLayout } from '../domain/rules/erasure-layout';
import { ignoreOrphanedCommitFailures } from '../infra/eventlog/orphaned-commit-failures';
import { openErasureSet, StartupRefusal, type OpenedSet } from '../infra/storage/open-erasure-set';
import { AppModule } from '../modules/app.module';
import { BackgroundScanner, scannerScheduleFrom } from '../modules/healing/background-scanner';
import { DriveWatcher } from '../modules/healing/drive-watcher';
import { parseArgs, stringOption } from './args';
import { VERSION } from './version';

/** Drives are rechecked this often, so that one removed under a running server goes offline. */
const HEALTH_CHECK_INTERVAL_MS = 5_000;
/** How often offline drives are looked at again (returned, or replaced by an empty directory). */
const DRIVE_WATCH_INTERVAL_MS = 5_000;

export async function runServer(argv: string[]): Promise<number | undefined> {
  const args = parseArgs(argv, ['address']);
  let config: ServerConfig;
  try {
    config = loadServerConfig({ drives: args.positional, address: stringOption(args, 'address') });
  } catch (error) {
    console.error(`cairn: ${(error as Error).message}`);
    return 1;
  }

  ignoreOrphanedCommitFailures();
  let opened: OpenedSet;
  try {
    opened = await openErasureSet(config.drives, { parity: config.parity });
  } catch (error) {
    if (error instanceof StartupRefusal) {
      console.error(`cairn: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const { set } = opened;

  const logLevels: LogLevel[] = ['error', 'warn'];
  const logger = new ConsoleLogger({ logLevels });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(set, config),
    // A request without Host gets the gateway's S3 error, not Node's bare 400 (header-section.ts).
    new FastifyAdapter({ exposeHeadRoutes: false, http: { requireHostHeader: false } }),
    { logger },
  );
  // No app.enableShutdownHooks(): Nest would re-raise the signal after closing, killing the
  // process before the drives are closed and unlocked below.
  try {
    // Nest logs a failed listen itself; the refusal must stay a single line.
    logger.setLogLevels([]);
    await app.listen({ port: config.port, host: config.host ?? '0.0.0.0' });
    logger.setLogLevels(logLevels);
  } catch (error) {
    await set.close();
    await opened.unlock();
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host ?? '0.0.0.0'}:${config.port}`;
    console.error(`cairn: cannot listen on ${where}: ${code === 'EADDRINUSE' ? 'the address is already in use' : (error as Error).message}`);
    return 1;
  }
  set.startHealthChecks(HEALTH_CHECK_INTERVAL_MS);
  printBanner(config, opened);
  app.get(DriveWatcher).start(DRIVE_WATCH_INTERVAL_MS, opened.replaced);
  app.get(BackgroundScanner).start(scannerScheduleFrom(process.env));

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await set.close();
  await opened.unlock();
  return 0;
}

function printBanner(config: ServerConfig, opened: OpenedSet): void {
  const { set } = opened;
  const lines = [
    `cairn ${VERSION}`,
    `API: ${config.endpoint}   region: ${config.region}`,
    `${opened.created ? 'Created deployment' : 'Deployment'} ${opened.deploymentId}`,
    `Drives: ${set.layout.drives} in one erasure set, ${describeLayout(set.layout)}`,
    ...set.drives.map((d) => {
      const state = d.state !== 'online' ? `OFFLINE (${d.offlineReason})` : opened.replaced.includes(d.label) ? 'online (new: replaces a lost drive)' : 'online';
      return `  ${String(d.slot + 1).padStart(2)}  ${d.label}  ${state}`;
    }),
  ];
  const { rolledBack, rolledForward, missingShards, divergent } = opened.reconciliation;
  if (rolledBack + rolledForward > 0 || divergent.length > 0) {
    lines.push(
      `Recovered from an interrupted run: ${rolledBack} unacknowledged event(s) rolled back, ${rolledForward} event(s) copied to drives that missed them` +
        (missingShards > 0 ? ` (${missingShards} inline shard(s) could not be rebuilt yet)` : '') +
        (divergent.length > 0 ? `; taken offline, logs diverged: ${divergent.join(', ')}` : ''),
    );
  }
  const offline = set.offline();
  if (offline.length > 0) {
    lines.push(`WARNING: running degraded: ${offline.length} drive(s) offline (${offline.map((d) => d.label).join(', ')}); data stays readable while no more than ${set.layout.parityShards} are lost`);
  }
  if (config.usingDefaultCredentials) {
    lines.push(
      `WARNING: the default credentials ${DEFAULT_ROOT_USER}/${DEFAULT_ROOT_PASSWORD} are in use. Anyone who can reach this port has full access.`,
      '         Set CAIRN_ROOT_USER and CAIRN_ROOT_PASSWORD (or MINIO_ROOT_USER and MINIO_ROOT_PASSWORD).',
    );
  }
  console.log(lines.join('\n'));
}
