/** PutBucketVersioning's request document and GetBucketVersioning's answer. */
import type { VersioningState } from '../../../domain/events';
import { s3Error } from '../../../domain/errors';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import { childText, parseS3Document } from './s3-document';

export function parseVersioningConfiguration(body: Buffer): 'Enabled' | 'Suspended' {
  const root = parseS3Document(body, 'VersioningConfiguration', []);
  const status = childText(root, 'Status')?.trim();
  const mfaDelete = childText(root, 'MfaDelete')?.trim();
  if (mfaDelete !== undefined && mfaDelete !== 'Disabled') {
    if (mfaDelete === 'Enabled') throw s3Error('NotImplemented', 'MFA delete is not supported.');
    throw s3Error('MalformedXML');
  }
  if (status !== 'Enabled' && status !== 'Suspended') throw s3Error('IllegalVersioningConfigurationException');
  return status;
}

/** An unversioned bucket answers an empty configuration, as S3 does. */
export function renderVersioningConfiguration(state: VersioningState): string {
  return s3Document('VersioningConfiguration', state === 'Unversioned' ? '' : tag('Status', state));
}
