/**
 * The CopyObject request headers: `x-amz-copy-source` (`[/]bucket/key[?versionId=id]`,
 * URL-encoded), `x-amz-metadata-directive` and `x-amz-tagging-directive`.
 */
import { s3Error } from '../../domain/errors';
import { isWellFormedVersionId } from '../../domain/rules/version-ids';

export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

const COPY_SOURCE_FORMAT = 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey';

export function parseCopySource(value: string): CopySource {
  const q = value.indexOf('?');
  const path = q < 0 ? value : value.slice(0, q);
  const query = q < 0 ? '' : value.slice(q + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw s3Error('InvalidArgument', COPY_SOURCE_FORMAT, { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Error('InvalidArgument', COPY_SOURCE_FORMAT, { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  }
  const source = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  if (query === '') return source;
  const params = new URLSearchParams(query);
  const versionId = params.get('versionId');
  if (versionId === null || !isWellFormedVersionId(versionId)) {
    throw s3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  }
  return { ...source, versionId };
}

/** COPY (the default) or REPLACE; anything else is InvalidArgument, as in AWS. */
export function parseDirective(value: string | undefined, name: 'metadata' | 'tagging'): 'COPY' | 'REPLACE' {
  if (value === undefined || value === 'COPY') return 'COPY';
  if (value === 'REPLACE') return 'REPLACE';
  throw s3Error('InvalidArgument', `Unknown ${name} directive.`, { ArgumentName: `x-amz-${name}-directive`, ArgumentValue: value });
}
