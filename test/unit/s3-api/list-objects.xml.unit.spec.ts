/**
 * ListBucketResult (v1 and v2) as the S3 gateway sends it: owners, checksums, URL encoding,
 * escaping, continuation tokens and common prefixes. The expected documents are goldens, taken
 * from the string renderer before listings were written straight into bytes (ad708ad), so a
 * change to the format shows up here as a diff.
 */
import { describe, expect, it } from 'vitest';
import type { ListPage } from '../../../src/domain/rules/listing';
import type { ObjectVersion } from '../../../src/domain/object-version';
import { renderListObjectsV1, renderListObjectsV2, type ListRender } from '../../../src/modules/s3-api/xml/list-objects.xml';

const DOCUMENT_START = '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">';
const TIME = Date.UTC(2026, 11, 2, 10, 59, 59, 7);

function version(fields: Partial<ObjectVersion>): ObjectVersion {
  return { lastModified: TIME, storageClass: 'STANDARD', ...fields } as ObjectVersion;
}

const page: ListPage = {
  contents: [
    { key: 'a&b <c>', version: version({ etag: '9e107d9d372bb6826bd81d3542a419d6', size: 43 }) },
    {
      key: 'dir/é ü',
      version: version({ lastModified: TIME + 1, etag: 'e4d909c290d0fb1ca068ffaddf22cbd0-2', size: 0, checksum: { algorithm: 'CRC32', value: 'AAAAAA==' } }),
    },
  ],
  commonPrefixes: ['p/', 'q r/'],
  isTruncated: true,
  last: 'q r/',
};
const render: ListRender = { bucket: 'golden', prefix: '', delimiter: '/', maxKeys: 4, urlEncode: true, owner: { id: 'f'.repeat(64), displayName: 'admin' } };

describe('ListBucketResult', () => {
  it('renders a v1 page with owners and encoding-type=url', () => {
    const expected = [
      '<Name>golden</Name><Prefix></Prefix><Marker>a</Marker><NextMarker>q+r/</NextMarker><MaxKeys>4</MaxKeys><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>',
      '<Contents><Key>a%26b+%3Cc%3E</Key><LastModified>2026-12-02T10:59:59.000Z</LastModified><ETag>&quot;9e107d9d372bb6826bd81d3542a419d6&quot;</ETag><Size>43</Size><Owner><ID>ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff</ID><DisplayName>admin</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>',
      '<Contents><Key>dir/%C3%A9+%C3%BC</Key><LastModified>2026-12-02T10:59:59.000Z</LastModified><ETag>&quot;e4d909c290d0fb1ca068ffaddf22cbd0-2&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>0</Size><Owner><ID>ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff</ID><DisplayName>admin</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>',
      '<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>',
      '<CommonPrefixes><Prefix>q+r/</Prefix></CommonPrefixes>',
      '</ListBucketResult>',
    ].join('');
    expect(renderListObjectsV1(page, render, 'a').toString('utf8')).toBe(DOCUMENT_START + expected);
  });

  it('renders a v2 page with tokens, escaped keys and no owners', () => {
    const expected = [
      '<Name>golden</Name><Prefix></Prefix><ContinuationToken>tok</ContinuationToken><NextContinuationToken>next</NextContinuationToken><StartAfter>a</StartAfter><KeyCount>4</KeyCount><MaxKeys>4</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>',
      '<Contents><Key>a&amp;b &lt;c&gt;</Key><LastModified>2026-12-02T10:59:59.000Z</LastModified><ETag>&quot;9e107d9d372bb6826bd81d3542a419d6&quot;</ETag><Size>43</Size><StorageClass>STANDARD</StorageClass></Contents>',
      '<Contents><Key>dir/é ü</Key><LastModified>2026-12-02T10:59:59.000Z</LastModified><ETag>&quot;e4d909c290d0fb1ca068ffaddf22cbd0-2&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>',
      '<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>',
      '<CommonPrefixes><Prefix>q r/</Prefix></CommonPrefixes>',
      '</ListBucketResult>',
    ].join('');
    const tokens = { continuationToken: 'tok', nextContinuationToken: 'next', startAfter: 'a' };
    expect(renderListObjectsV2(page, { ...render, urlEncode: false, owner: undefined }, tokens).toString('utf8')).toBe(DOCUMENT_START + expected);
  });
});
