/** DeleteObjects: the `Delete` request document and the `DeleteResult` response. */
import { s3Error } from '../../../domain/errors';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import { childElements, childText, parseS3Document } from './s3-document';

/** AWS refuses a request naming more keys than this as MalformedXML. */
export const MAX_DELETE_OBJECTS = 1000;

export interface DeleteRequest {
  readonly quiet: boolean;
  readonly objects: ReadonlyArray<{ readonly key: string; readonly versionId?: string; readonly etag?: string }>;
}

export function parseDeleteRequest(body: Buffer): DeleteRequest {
  const root = parseS3Document(body, 'Delete', ['Delete.Object']);
  const quiet = childText(root, 'Quiet');
  if (quiet !== undefined && !['true', 'false'].includes(quiet.trim().toLowerCase())) throw s3Error('MalformedXML');
  const objects = childElements(root, 'Object').map((object) => {
    const key = childText(object, 'Key');
    if (key === undefined) throw s3Error('MalformedXML');
    // An empty <VersionId/> names no version: minio-js sends one for every `{ name }` entry of
    // removeObjects, and MinIO reads it as absent. Read as a version id, it deleted nothing.
    const versionId = childText(object, 'VersionId') || undefined;
    const etag = childText(object, 'ETag'); // a conditional delete of this key (If-Match)
    return { key, ...(versionId !== undefined ? { versionId } : {}), ...(etag !== undefined ? { etag } : {}) };
  });
  if (objects.length === 0 || objects.length > MAX_DELETE_OBJECTS) throw s3Error('MalformedXML');
  return { quiet: quiet?.trim().toLowerCase() === 'true', objects };
}

export type DeleteOutcome =
  | {
      readonly key: string;
      readonly versionId?: string;
      readonly deleted: true;
      /** A delete marker was created (its id), or the version removed was a marker. */
      readonly deleteMarker?: { readonly versionId: string };
    }
  | { readonly key: string; readonly versionId?: string; readonly deleted: false; readonly code: string; readonly message: string };

/** Quiet mode reports only the keys that could not be deleted. */
export function renderDeleteResult(outcomes: readonly DeleteOutcome[], quiet: boolean): string {
  let body = '';
  for (const outcome of outcomes) {
    const id = tag('Key', outcome.key) + tag('VersionId', outcome.versionId);
    if (outcome.deleted) {
      const marker = outcome.deleteMarker ? tag('DeleteMarker', true) + tag('DeleteMarkerVersionId', outcome.deleteMarker.versionId) : '';
      if (!quiet) body += `<Deleted>${id}${marker}</Deleted>`;
    } else {
      body += `<Error>${id}${tag('Code', outcome.code)}${tag('Message', outcome.message)}</Error>`;
    }
  }
  return s3Document('DeleteResult', body);
}
