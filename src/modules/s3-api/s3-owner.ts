/** The owner S3 reports for every bucket and object: cairn has a single owner, the root user. */
import { createHash } from 'node:crypto';

export interface Owner {
  readonly id: string;
  readonly displayName: string;
}

// One root user per process: remembered so that request paths (ACL checks on writes) skip the hash.
let lastOwner: Owner | undefined;

export function ownerOf(rootUser: string): Owner {
  if (lastOwner?.displayName !== rootUser) lastOwner = { id: createHash('sha256').update(`cairn-owner:${rootUser}`).digest('hex'), displayName: rootUser };
  return lastOwner;
}
