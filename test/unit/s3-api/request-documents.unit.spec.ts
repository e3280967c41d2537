import { describe, expect, it } from 'vitest';
import { isS3Error } from '../../../src/domain/errors';
import { parseCompleteMultipartUpload, parseCreateBucketConfiguration, parseXmlDocument } from '../../../src/modules/s3-api/xml/request-documents';

const xml = (text: string) => Buffer.from(text, 'utf8');

/** The S3 error code `parse` throws, or undefined when it returns. */
function s3ErrorCodeOf(parse: () => unknown): string | undefined {
  try {
    parse();
  } catch (error) {
    return isS3Error(error) ? error.code : String(error);
  }
  return undefined;
}

describe('XML request documents', () => {
  it('decodes numeric character references as rclone writes them, and the predefined entities, exactly once', () => {
    const parts = parseCompleteMultipartUpload(
      xml('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&#34;c97a&#34;</ETag></Part><Part><ETag>&quot;x&#x41;&amp;#34;&quot;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>'),
    );
    expect(parts).toEqual([
      { partNumber: 1, etag: '"c97a"' },
      { partNumber: 2, etag: '"xA&#34;"' },
    ]);
  });

  it('refuses characters XML 1.0 forbids, by reference or literally, and entities it never declared, as MalformedXML', () => {
    const status = (value: string) => xml(`<VersioningConfiguration><Status>${value}</Status></VersioningConfiguration>`);
    expect(parseXmlDocument(status('Enabled'))).toEqual({ VersioningConfiguration: { Status: 'Enabled' } });
    for (const value of ['Enab&#1;led', 'Enab&#x0;led', 'Enab&#xD800;led', 'Enab\u0002led', 'Enab\uFFFFled', 'Enab&copy;led', 'Enab & led', 'Enab&amp led']) {
      expect(s3ErrorCodeOf(() => parseXmlDocument(status(value))), value).toBe('MalformedXML');
    }
  });

  it('takes & as text inside CDATA sections and comments', () => {
    const doc = parseXmlDocument(xml('<!-- a & b --><Delete><Object><Key><![CDATA[x & y]]></Key></Object></Delete>')) as { Delete: { Object: { Key: string } } };
    expect(doc.Delete.Object.Key).toBe('x & y');
  });

  it('keeps leading and trailing spaces in values (keys may have them) and tolerates pretty-printed documents', () => {
    const doc = parseXmlDocument(xml('<Delete>\n  <Object>\n    <Key>  spaced key &#13;</Key>\n  </Object>\n</Delete>')) as { Delete: { Object: { Key: string } } };
    expect(doc.Delete.Object.Key).toBe('  spaced key \r');
    expect(parseCreateBucketConfiguration(xml('<CreateBucketConfiguration>\n  <LocationConstraint> eu-west-1 </LocationConstraint>\n</CreateBucketConfiguration>'))).toEqual({
      locationConstraint: 'eu-west-1',
    });
    expect(parseCreateBucketConfiguration(xml('<CreateBucketConfiguration>\n</CreateBucketConfiguration>'))).toEqual({});
  });

  it('refuses DOCTYPEs, entity declarations, broken documents and parts without numbers as MalformedXML', () => {
    for (const text of [
      '<!DOCTYPE x [<!ENTITY a "b">]><CompleteMultipartUpload/>',
      '<CompleteMultipartUpload><Part>',
      '<CompleteMultipartUpload><Part><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>',
      '<Other/>',
    ]) {
      expect(s3ErrorCodeOf(() => parseCompleteMultipartUpload(xml(text))), text).toBe('MalformedXML');
    }
  });

  it('refuses a CreateBucketConfiguration whose LocationConstraint is repeated or holds elements', () => {
    for (const inner of ['<LocationConstraint><x>eu-west-1</x></LocationConstraint>', '<LocationConstraint><x/></LocationConstraint>', '<LocationConstraint>eu-west-1</LocationConstraint><LocationConstraint>us-east-2</LocationConstraint>']) {
      expect(s3ErrorCodeOf(() => parseCreateBucketConfiguration(xml(`<CreateBucketConfiguration>${inner}</CreateBucketConfiguration>`))), inner).toBe('MalformedXML');
    }
    expect(parseCreateBucketConfiguration(xml('<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>'))).toEqual({});
  });
});
