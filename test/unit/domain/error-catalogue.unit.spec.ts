import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderErrorCatalogue } from '../../../src/domain/error-catalogue-doc';
import { S3_ERRORS } from '../../../src/domain/errors';

describe('the S3 error catalogue', () => {
  it('is documented exactly in docs/s3-errors.md (run `npm run docs:errors` after changing it)', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/s3-errors.md'), 'utf8');
    expect(doc).toBe(renderErrorCatalogue());
  });

  it('uses HTTP error statuses and a message for every code', () => {
    for (const [code, { status, message }] of Object.entries(S3_ERRORS)) {
      expect(status >= 300 && status < 600, code).toBe(true);
      expect(message.length, code).toBeGreaterThan(5);
    }
  });
});
