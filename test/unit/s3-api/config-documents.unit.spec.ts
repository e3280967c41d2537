import { describe, expect, it } from 'vitest';
import { resolveOperation } from '../../../src/modules/s3-api/s3-routes';
import { parseTarget } from '../../../src/modules/s3-api/s3-request';
import { parseAccessControlPolicy, renderOwnerOnlyAcl } from '../../../src/modules/s3-api/xml/acl.xml';
import { parseCorsConfiguration, renderCorsConfiguration } from '../../../src/modules/s3-api/xml/cors.xml';
import { parseDeleteRequest, renderDeleteResult } from '../../../src/modules/s3-api/xml/delete-objects.xml';
import { parseTagging, renderTagging } from '../../../src/modules/s3-api/xml/tagging.xml';
import { codeOf } from '../../helpers/s3-error-code';

const xml = (text: string) => Buffer.from(text, 'utf8');


describe('the Delete document', () => {
  it('keeps keys byte for byte: spaces, entities and character references', () => {
    const request = parseDeleteRequest(
      xml('<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n  <Quiet>true</Quiet>\n  <Object><Key> a &amp; b </Key></Object>\n  <Object><Key>cr&#13;lf&#x0A;</Key><VersionId>v1</VersionId></Object>\n</Delete>'),
    );
    expect(request).toEqual({ quiet: true, objects: [{ key: ' a & b ' }, { key: 'cr\rlf\n', versionId: 'v1' }] });
  });

  it('refuses what AWS refuses as MalformedXML', () => {
    for (const body of ['<Delete/>', '<Delete><Object/></Delete>', '<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>', '<Other/>', '<!DOCTYPE x><Delete/>']) {
      expect(codeOf(() => parseDeleteRequest(xml(body))), body).toBe('MalformedXML');
    }
    const many = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
    expect(codeOf(() => parseDeleteRequest(xml(many)))).toBe('MalformedXML');
    expect(parseDeleteRequest(xml(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1000)}</Delete>`)).objects).toHaveLength(1000);
  });

  it('renders Deleted and Error entries, only errors when quiet', () => {
    const outcomes = [
      { key: 'a<b', deleted: true as const },
      { key: 'c', versionId: 'v', deleted: false as const, code: 'KeyTooLongError', message: 'Your key is too long.' },
    ];
    expect(renderDeleteResult(outcomes, false)).toContain(
      '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>a&lt;b</Key></Deleted><Error><Key>c</Key><VersionId>v</VersionId><Code>KeyTooLongError</Code><Message>Your key is too long.</Message></Error></DeleteResult>',
    );
    expect(renderDeleteResult(outcomes, true)).not.toContain('<Deleted>');
  });
});

describe('the Tagging document', () => {
  it('round-trips tags, values untrimmed', () => {
    const tags = [
      { key: 'a b', value: ' spaced ' },
      { key: 'empty', value: '' },
    ];
    expect(parseTagging(xml(renderTagging(tags)))).toEqual(tags);
    expect(parseTagging(xml('<Tagging><TagSet/></Tagging>'))).toEqual([]);
  });

  it('needs a TagSet and a Key and Value in every Tag', () => {
    expect(codeOf(() => parseTagging(xml('<Tagging/>')))).toBe('MalformedXML');
    expect(codeOf(() => parseTagging(xml('<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>')))).toBe('MalformedXML');
  });
});

describe('the CORSConfiguration document', () => {
  it('round-trips rules', () => {
    const rules = [
      { id: 'r1', allowedOrigins: ['https://a', 'https://*.b'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 },
      { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
    ];
    expect(parseCorsConfiguration(xml(renderCorsConfiguration(rules)))).toEqual(rules);
  });

  it('refuses a MaxAgeSeconds that is not a number', () => {
    const body = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>';
    expect(codeOf(() => parseCorsConfiguration(xml(body)))).toBe('MalformedXML');
  });
});

describe('the AccessControlPolicy document', () => {
  it('parses what it renders: the owner with FULL_CONTROL', () => {
    expect(parseAccessControlPolicy(xml(renderOwnerOnlyAcl({ id: 'abc', displayName: 'root' })))).toEqual([{ granteeType: 'CanonicalUser', id: 'abc', permission: 'FULL_CONTROL' }]);
  });

  it('refuses a policy without grantee type or list as MalformedACLError', () => {
    expect(codeOf(() => parseAccessControlPolicy(xml('<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>')))).toBe(
      'MalformedACLError',
    );
    expect(codeOf(() => parseAccessControlPolicy(xml('<AccessControlPolicy/>')))).toBe('MalformedACLError');
  });
});

describe('routes of batch, tagging, ACL and CORS operations', () => {
  const route = (method: string, url: string) => resolveOperation(method, parseTarget(url, 'localhost', []));
  it('selects the operation by method, level and sub-resource', () => {
    expect(route('POST', '/b?delete')).toBe('DeleteObjects');
    expect(route('GET', '/b/k?tagging')).toBe('GetObjectTagging');
    expect(route('PUT', '/b/k?tagging&versionId=v')).toBe('PutObjectTagging');
    expect(route('DELETE', '/b/k?tagging')).toBe('DeleteObjectTagging');
    expect(route('GET', '/b?tagging')).toBe('GetBucketTagging');
    expect(route('PUT', '/b?tagging')).toBe('PutBucketTagging');
    expect(route('DELETE', '/b?tagging')).toBe('DeleteBucketTagging');
    expect(route('GET', '/b?acl')).toBe('GetBucketAcl');
    expect(route('PUT', '/b/k?acl')).toBe('PutObjectAcl');
    expect(route('GET', '/b?cors')).toBe('GetBucketCors');
    expect(route('PUT', '/b?cors')).toBe('PutBucketCors');
    expect(route('DELETE', '/b?cors')).toBe('DeleteBucketCors');
  });
  it('leaves what has no route NotImplemented', () => {
    expect(codeOf(() => route('POST', '/b/k?delete'))).toBe('NotImplemented');
    expect(codeOf(() => route('DELETE', '/b/k?acl'))).toBe('NotImplemented');
  });
  it('routes GET and DELETE of the configurations cairn lacks to their AWS operations, and leaves their PUT NotImplemented', () => {
    expect(route('GET', '/b?policy')).toBe('GetBucketPolicy');
    expect(route('DELETE', '/b?policy')).toBe('DeleteBucketPolicy');
    expect(route('GET', '/b?lifecycle')).toBe('GetBucketLifecycleConfiguration');
    expect(route('GET', '/b?requestPayment')).toBe('GetBucketRequestPayment');
    expect(codeOf(() => route('DELETE', '/b?requestPayment'))).toBe('NotImplemented');
    expect(route('GET', '/b?publicAccessBlock')).toBe('GetPublicAccessBlock');
    expect(codeOf(() => route('DELETE', '/b?publicAccessBlock'))).toBe('NotImplemented');
    expect(codeOf(() => route('PUT', '/b?policy'))).toBe('NotImplemented');
    expect(codeOf(() => route('GET', '/b/k?policy'))).toBe('NotImplemented');
  });
});
