/**
 * Stands in the slot of a drive that could not be opened at start-up (missing, unreadable,
 * unformatted), so the erasure set always has one Drive per slot.
 */
import type { Drive } from './drive';

export class UnavailableDrive implements Drive {
  readonly state = 'offline' as const;

  constructor(
    readonly slot: number,
    readonly label: string,
    readonly offlineReason: string,
  ) {}

  private fail(): Promise<never> {
    return Promise.reject(new Error(`drive ${this.label} is offline: ${this.offlineReason}`));
  }

  appendEvent = () => this.fail();
  entryFor = () => this.fail();
  lastEventId = () => undefined;
  hasEvent = () => this.fail();
  readEvent = () => this.fail();
  eventIdsBackward = () => this.fail();
  eventIdsForward = () => this.fail();
  rollBackLastEvent = () => this.fail();
  getBucket = () => this.fail();
  listBuckets = () => this.fail();
  versionsOf = () => this.fail();
  latestVersion = () => this.fail();
  hasObjects = () => this.fail();
  listObjects = () => this.fail();
  listVersions = () => this.fail();
  getUpload = () => this.fail();
  partsOf = () => this.fail();
  listUploads = () => this.fail();
  uploadsIn = () => this.fail();
  readInlineShard = () => this.fail();
  createShardWriter = () => this.fail();
  commitShards = () => this.fail();
  openShards = () => this.fail();
  removeShards = () => this.fail();
  createHealWriter = () => this.fail();
  commitHealedShards = () => this.fail();
  replaceInlineShard = () => this.fail();
  checkHealth = async () => undefined;
  markOffline = () => undefined;
  close = async () => undefined;
}
