import type { S3Error } from '../../../domain/errors';
import { tag, XML_DECLARATION } from '../../../infra/http/xml-writer';

/** The S3 error document (no namespace on <Error>, as AWS sends it). */
export function renderError(error: S3Error, resource: string, requestId: string, hostId: string): string {
  let details = '';
  for (const [name, value] of Object.entries(error.details)) details += tag(name, value);
  return (
    `${XML_DECLARATION}<Error>${tag('Code', error.code)}${tag('Message', error.message)}${details}` +
    `${tag('Resource', resource)}${tag('RequestId', requestId)}${tag('HostId', hostId)}</Error>`
  );
}
