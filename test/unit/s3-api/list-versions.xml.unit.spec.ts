/**
 * ListVersionsResult as replay prints it, from events folded by the in-memory projection:
 * keys in S3 (UTF-8 byte) order, a key's versions newest first, only the first IsLatest.
 * The expected document is a golden: a change to the format shows up here as a diff.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryProjection } from '../../../src/domain/projections/in-memory-projection';
import type { ObjectPut } from '../../../src/domain/events';
import { renderAllVersions } from '../../../src/modules/s3-api/xml/list-versions.xml';
import { bucketCreated, objectPut } from '../../helpers/events';

function withVersionId(event: ObjectPut, versionId: string, time: number): ObjectPut {
  return { ...event, time, version: { ...event.version, versionId, lastModified: time } };
}

describe('ListVersionsResult', () => {
  it('renders every version of a bucket in ListObjectVersions order', () => {
    const state = InMemoryProjection.of([
      bucketCreated('b'),
      withVersionId(objectPut('b', 'z<&>'), 'null', Date.UTC(2026, 11, 1, 10)),
      // Two versions of one key.
      withVersionId(objectPut('b', 'é', { size: 1, etag: 'e1' }), 'v1', Date.UTC(2026, 11, 1, 11)),
      withVersionId(objectPut('b', 'é', { size: 2, etag: 'e2' }), 'v2', Date.UTC(2026, 11, 1, 12)),
      objectPut('other', 'a'),
    ]);
    const rows = state.versionListing('b');
    expect(rows.map((r) => [r.key, r.version.versionId, r.isLatest])).toEqual([
      ['z<&>', 'null', true],
      ['é', 'v2', true],
      ['é', 'v1', false],
    ]);
    expect(renderAllVersions('b', rows, { id: 'owner-id', displayName: 'root' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Name>b</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>' +
        '<Version><Key>z&lt;&amp;&gt;</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>2026-12-01T10:00:00.000Z</LastModified>' +
        '<ETag>&quot;acbd18db4cc2f85cedef654fccc4a4d8&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass><Owner><ID>owner-id</ID><DisplayName>root</DisplayName></Owner></Version>' +
        '<Version><Key>é</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest><LastModified>2026-12-01T12:00:00.000Z</LastModified>' +
        '<ETag>&quot;e2&quot;</ETag><Size>2</Size><StorageClass>STANDARD</StorageClass><Owner><ID>owner-id</ID><DisplayName>root</DisplayName></Owner></Version>' +
        '<Version><Key>é</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest><LastModified>2026-12-01T11:00:00.000Z</LastModified>' +
        '<ETag>&quot;e1&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass><Owner><ID>owner-id</ID><DisplayName>root</DisplayName></Owner></Version>' +
        '</ListVersionsResult>',
    );
  });

  it("adds each version's retention and legal hold as they stood (replay only)", () => {
    const [row] = InMemoryProjection.of([bucketCreated('b'), objectPut('b', 'k')]).versionListing('b');
    const owner = { id: 'o', displayName: 'r' };
    const locked = { ...row, version: { ...row.version, retention: { mode: 'COMPLIANCE' as const, retainUntil: Date.UTC(2030, 0, 1) }, legalHold: true as const } };
    expect(renderAllVersions('b', [locked], owner)).toContain(
      '<Owner><ID>o</ID><DisplayName>r</DisplayName></Owner><ObjectLockMode>COMPLIANCE</ObjectLockMode>' +
        '<ObjectLockRetainUntilDate>2030-01-01T00:00:00.000Z</ObjectLockRetainUntilDate><ObjectLockLegalHoldStatus>ON</ObjectLockLegalHoldStatus></Version>',
    );
    expect(renderAllVersions('b', [row], owner)).not.toContain('ObjectLock');
  });

  it('renders a delete marker with AWS’s fields', () => {
    const [row] = InMemoryProjection.of([bucketCreated('b'), objectPut('b', 'k')]).versionListing('b');
    const xml = renderAllVersions('b', [{ ...row, version: { ...row.version, deleteMarker: true } }], { id: 'o', displayName: 'r' });
    expect(xml).toContain(`<DeleteMarker><Key>k</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>`);
    expect(xml).toMatch(/<\/LastModified><Owner><ID>o<\/ID><DisplayName>r<\/DisplayName><\/Owner><\/DeleteMarker>/);
  });
});
