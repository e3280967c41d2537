import { s3Error } from '../../domain/errors';

/** `encoding-type` of the listing operations: absent, or `url` (anything else is InvalidArgument). */
export function wantsUrlEncoding(query: ReadonlyMap<string, string>): boolean {
  const encodingType = query.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw s3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  return encodingType === 'url';
}
