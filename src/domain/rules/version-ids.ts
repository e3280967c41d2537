/**
 * Which version ids a request may name. cairn's version ids are event ids (32 lowercase hex
 * digits, event-id.ts) or "null"; AWS answers a malformed id with 400 InvalidArgument rather
 * than NoSuchVersion, so that a garbled id is never mistaken for a version already gone
 * (DeleteObject of a missing but well-formed version succeeds, of a malformed one it fails).
 */
import { s3Error } from '../errors';
import { NULL_VERSION_ID } from '../object-version';

const ISSUED_VERSION_ID = /^[0-9a-f]{32}$/;

export function isWellFormedVersionId(versionId: string): boolean {
  return versionId === NULL_VERSION_ID || ISSUED_VERSION_ID.test(versionId);
}

/** Throws AWS's InvalidArgument for an empty or malformed id (`argument`: where it came from). */
export function assertWellFormedVersionId(versionId: string, argument = 'versionId'): void {
  if (versionId === '') throw s3Error('InvalidArgument', 'Version id cannot be the empty string', { ArgumentName: argument, ArgumentValue: '' });
  if (!isWellFormedVersionId(versionId)) {
    throw s3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: argument, ArgumentValue: versionId });
  }
}
