/**
 * docs/s3-errors.md, rendered from the error catalogue: `npm run docs:errors` writes it, and a
 * unit test fails when the file and the catalogue disagree.
 */
import { S3_ERRORS } from './errors';

export function renderErrorCatalogue(): string {
  const rows = Object.entries(S3_ERRORS)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message.replace(/\|/g, '\\|')} |`);
  return [
    '# S3 errors cairn returns',
    '',
    'Generated from `src/domain/errors.ts` by `npm run docs:errors`; a unit test keeps the two in step.',
    'Codes, statuses and messages follow AWS S3; where AWS is silent, MinIO. Every error is an S3 error',
    'XML document (`<Error><Code/><Message/><Resource/><RequestId/><HostId/>...</Error>`) with',
    '`x-amz-request-id`; 503s carry `Retry-After`.',
    '',
    '| code | HTTP status | message |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
