/** The owner S3 reports for every bucket and object: cairn has a single owner, the root user. */
import { createHash } from 'node:crypto';

export interface Owner {
  readonly id: string;
  readonly displayName: string;
}

export function ownerOf(rootUser: string): Owner {
  return { id: createHash('sha256').update(`cairn-owner:${rootUser}`).digest('hex'), displayName: rootUser };
}
