/**
 * Reads of the projections (buckets, versions, uploads), which every online drive answers
 * alike (see ErasureSet.metadata). A drive that finds its database damaged while answering
 * takes itself offline (database-damage.ts) and the read is asked of the next online drive:
 * one damaged value costs the set a drive, not the request its answer.
 */
import { s3Error } from '../../domain/errors';
import type { Drive } from '../drives/drive';
import { DatabaseDamagedError } from '../eventlog/database-damage';

export type MetadataReader = Pick<
  Drive,
  'getBucket' | 'listBuckets' | 'versionsOf' | 'latestVersion' | 'hasObjects' | 'listObjects' | 'listVersions' | 'getUpload' | 'partsOf' | 'listUploads' | 'uploadsIn'
>;

/** A reader over whichever drives are online at the time of each read; fewer than `readQuorum` is SlowDownRead. */
export function metadataReader(onlineDrives: () => Drive[], readQuorum: number): MetadataReader {
  const ask = async <T>(read: (drive: Drive) => Promise<T>): Promise<T> => {
    for (;;) {
      const online = onlineDrives();
      if (online.length < readQuorum) throw s3Error('SlowDownRead');
      try {
        return await read(online[0]);
      } catch (error) {
        // The damaged drive is offline now, so the next turn asks another one.
        if (!(error instanceof DatabaseDamagedError) || online[0].state === 'online') throw error;
      }
    }
  };
  return {
    getBucket: (name) => ask((drive) => drive.getBucket(name)),
    listBuckets: () => ask((drive) => drive.listBuckets()),
    versionsOf: (bucket, key) => ask((drive) => drive.versionsOf(bucket, key)),
    latestVersion: (bucket, key) => ask((drive) => drive.latestVersion(bucket, key)),
    hasObjects: (bucket) => ask((drive) => drive.hasObjects(bucket)),
    listObjects: (bucket, params) => ask((drive) => drive.listObjects(bucket, params)),
    listVersions: (bucket, params) => ask((drive) => drive.listVersions(bucket, params)),
    getUpload: (bucket, key, uploadId) => ask((drive) => drive.getUpload(bucket, key, uploadId)),
    partsOf: (uploadId) => ask((drive) => drive.partsOf(uploadId)),
    listUploads: (bucket, params) => ask((drive) => drive.listUploads(bucket, params)),
    uploadsIn: (bucket) => ask((drive) => drive.uploadsIn(bucket)),
  };
}
