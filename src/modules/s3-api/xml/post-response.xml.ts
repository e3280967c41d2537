import { tag, XML_DECLARATION } from '../../../infra/http/xml-writer';

/** POST Object's answer to success_action_status=201 (AWS sends it without a namespace). */
export function renderPostResponse(location: string, bucket: string, key: string, etag: string): string {
  return `${XML_DECLARATION}<PostResponse>${tag('Location', location)}${tag('Bucket', bucket)}${tag('Key', key)}${tag('ETag', `"${etag}"`)}</PostResponse>`;
}
