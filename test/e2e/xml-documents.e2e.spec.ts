/**
 * The root element and namespace of every XML document cairn answers with, as AWS writes
 * them: SDKs parse by content and would not notice a wrong root, stricter parsers (and
 * XML-schema-validating clients) do. Errors are `<Error>` without a namespace, as on AWS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnServer } from '../helpers/server';
import { signedHeaders, signedRequest } from '../helpers/signed-request';
import * as net from 'node:net';
import { md5Base64 } from '../helpers/signed-fetch';

const BUCKET = 'xml-roots';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('XML document roots and namespaces', () => {
  let server: CairnServer;
  let uploadId: string;

  /** GETs (or sends) and returns the body after checking the status. */
  async function document(method: string, path: string, query: Record<string, string> = {}, body?: string, headers: Record<string, string> = {}) {
    const response = await signedRequest(server, method, path, { query, headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });
    expect(response.status, response.body.toString()).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml');
    return response.body.toString();
  }

  const rooted = (root: string) => new RegExp(`^${literally(`${DECLARATION}<${root} xmlns="${S3_NS}">`)}[\\s\\S]*${literally(`</${root}>`)}$`);

  beforeAll(async () => {
    server = await CairnServer.start();
    expect((await signedRequest(server, 'PUT', `/${BUCKET}`)).status).toBe(200);
    expect((await signedRequest(server, 'PUT', `/${BUCKET}/k`, { body: Buffer.from('data') })).status).toBe(200);
    const initiated = await document('POST', `/${BUCKET}/mp`, { uploads: '' });
    expect(initiated).toMatch(rooted('InitiateMultipartUploadResult'));
    uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated)![1]!;
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('service and bucket reads', async () => {
    expect(await document('GET', '/')).toMatch(rooted('ListAllMyBucketsResult'));
    expect(await document('GET', `/${BUCKET}`)).toMatch(rooted('ListBucketResult'));
    expect(await document('GET', `/${BUCKET}`, { 'list-type': '2' })).toMatch(rooted('ListBucketResult'));
    expect(await document('GET', `/${BUCKET}`, { versions: '' })).toMatch(rooted('ListVersionsResult'));
    expect(await document('GET', `/${BUCKET}`, { uploads: '' })).toMatch(rooted('ListMultipartUploadsResult'));
    expect(await document('GET', `/${BUCKET}`, { versioning: '' })).toMatch(rooted('VersioningConfiguration'));
    expect(await document('GET', `/${BUCKET}`, { acl: '' })).toMatch(rooted('AccessControlPolicy'));
    // us-east-1 is the empty LocationConstraint, as AWS answers it.
    expect(await document('GET', `/${BUCKET}`, { location: '' })).toBe(`${DECLARATION}<LocationConstraint xmlns="${S3_NS}"></LocationConstraint>`);
  });

  it('object and multipart documents', async () => {
    expect(await document('GET', `/${BUCKET}/k`, { tagging: '' })).toMatch(rooted('Tagging'));
    expect(await document('GET', `/${BUCKET}/k`, { acl: '' })).toMatch(rooted('AccessControlPolicy'));
    expect(await document('GET', `/${BUCKET}/k`, { attributes: '' }, undefined, { 'x-amz-object-attributes': 'ETag' })).toMatch(rooted('GetObjectAttributesResponse'));
    expect(await document('PUT', `/${BUCKET}/copy`, {}, undefined, { 'x-amz-copy-source': `/${BUCKET}/k` })).toMatch(rooted('CopyObjectResult'));

    const partCopy = await document('PUT', `/${BUCKET}/mp`, { uploadId, partNumber: '1' }, undefined, { 'x-amz-copy-source': `/${BUCKET}/k` });
    expect(partCopy).toMatch(rooted('CopyPartResult'));
    expect(await document('GET', `/${BUCKET}/mp`, { uploadId })).toMatch(rooted('ListPartsResult'));
    const etag = /<ETag>([^<]+)<\/ETag>/.exec(partCopy)![1]!;
    const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    expect(await document('POST', `/${BUCKET}/mp`, { uploadId }, complete)).toMatch(rooted('CompleteMultipartUploadResult'));

    const deletes = '<Delete><Object><Key>copy</Key></Object></Delete>';
    expect(await document('POST', `/${BUCKET}`, { delete: '' }, deletes, { 'content-md5': md5Base64(deletes) })).toMatch(rooted('DeleteResult'));
  });

  it('errors are <Error> without a namespace', async () => {
    const response = await signedRequest(server, 'GET', `/${BUCKET}/missing`);
    expect(response.status).toBe(404);
    expect(response.body.toString()).toMatch(new RegExp(`^${literally(`${DECLARATION}<Error><Code>NoSuchKey</Code>`)}[\\s\\S]*</Error>$`));
  });

  it('a method S3 does not have is refused with S3 error XML, not the HTTP framework\'s answer', async () => {
    // S3 requests reach the gateway ahead of Fastify (front-dispatch.ts), methods Fastify has no route for included.
    for (const path of [`/${BUCKET}`, `/${BUCKET}/k`]) {
      const response = await signedRequest(server, 'PROPFIND', path);
      expect(response.status).toBe(405);
      expect(response.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(response.body.toString()).toMatch(new RegExp(`^${literally(`${DECLARATION}<Error><Code>MethodNotAllowed</Code>`)}[\\s\\S]*</Error>$`));
    }
    // And changed nothing.
    expect((await signedRequest(server, 'GET', `/${BUCKET}/k`)).body.toString()).toBe('data');
  });

  /** Sends `bytes` on a new connection and returns all that comes back until the server closes it. */
  function exchange(bytes: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('requests the HTTP parser refuses get S3 error XML with a request id, and the connection closes', async () => {
    const headers = await signedHeaders(server, 'GET', `/${BUCKET}/k`, { headers: { 'x-huge': 'a'.repeat(20_000) } });
    const oversized = await exchange(Buffer.from(`GET /${BUCKET}/k HTTP/1.1\r\n${Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`));
    expect(oversized).toMatch(/^HTTP\/1\.1 400 /);
    expect(oversized).toMatch(/\r\nx-amz-request-id: [0-9A-F]{16}\r\n/);
    expect(oversized).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    expect(oversized).toContain('<MaxSizeAllowed>16384</MaxSizeAllowed>');

    const garbled = await exchange(Buffer.from(`GET /${BUCKET}/k HTTP/1.1\r\ncontent-length: abc\r\n\r\n`));
    expect(garbled).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbled).toContain('<Code>BadRequest</Code>');
  });

  it('an HTTP/1.1 request without Host is 400 InvalidRequest as S3 error XML, and stores nothing; HTTP/1.0 needs none', async () => {
    const body = 'hostless';
    const { host: _host, ...headers } = await signedHeaders(server, 'PUT', `/${BUCKET}/hostless`);
    const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join('');
    const answer = await exchange(Buffer.from(`PUT /${BUCKET}/hostless HTTP/1.1\r\n${lines}content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-amz-request-id: [0-9A-F]{16}\r\n/);
    expect(answer).toContain('<Code>InvalidRequest</Code>');
    expect(answer).toContain('Missing required header for this request: Host');
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/hostless`)).status).toBe(404);
    // HTTP/1.0 has no Host requirement: the same request is judged by its signature, which covered a host it did not send.
    const old = await exchange(Buffer.from(`PUT /${BUCKET}/hostless HTTP/1.0\r\n${lines}content-length: ${body.length}\r\n\r\n${body}`));
    expect(old).toMatch(/^HTTP\/1\.1 403 /);
    expect(old).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/hostless`)).status).toBe(404);
  });

  it('a header section over AWS\'s 8 KB is RequestHeaderSectionTooLarge and stores nothing; one just under it is served', async () => {
    const oversized = await signedRequest(server, 'PUT', `/${BUCKET}/padded`, { headers: { 'x-padding': 'a'.repeat(8_300) }, body: Buffer.from('data') });
    expect(oversized.status).toBe(400);
    expect(oversized.body.toString()).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    expect(oversized.body.toString()).toContain('<MaxSizeAllowed>8192</MaxSizeAllowed>');
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/padded`)).status).toBe(404);
    const under = await signedRequest(server, 'PUT', `/${BUCKET}/padded`, { headers: { 'x-padding': 'a'.repeat(7_000) }, body: Buffer.from('data') });
    expect(under.status, under.body.toString()).toBe(200);
  });

  it('bytes that are not a request, after one that is, do not take its answer: the PUT is answered, then the error', async () => {
    const body = 'pipelined';
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/piped`, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const put = `PUT /${BUCKET}/piped HTTP/1.1\r\n${Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join('')}content-length: ${body.length}\r\n\r\n${body}`;
    const answer = await exchange(Buffer.from(`${put}GARBAGE\r\n\r\n`));
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '400']);
    expect(answer).toContain('<Code>BadRequest</Code>');
    expect((await signedRequest(server, 'GET', `/${BUCKET}/piped`)).body.toString()).toBe(body);
  });
});
