/**
 * Who signed a browser-form upload: the policy field signed with SigV4 (x-amz-algorithm,
 * x-amz-credential, x-amz-date, x-amz-signature = hex HMAC-SHA256 of the base64 policy
 * under the scope's signing key) or SigV2 (AWSAccessKeyId, signature = base64 HMAC-SHA1 of
 * the base64 policy). Field names are lowercase here.
 * Reference: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
 */
import { createHmac } from 'node:crypto';
import { S3Error } from '../../domain/errors';
import { cachedSigningKey, hmacHex, parseAmzDate, signaturesEqual } from './sigv4';

export interface FormAuthOptions {
  lookupSecret(accessKey: string): string | undefined;
  /** When set, the credential scope's region must equal it. */
  region?: string;
}

function missingField(name: string): S3Error {
  return new S3Error('InvalidArgument', `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: '',
  });
}

/** Verifies the policy signature of a form; returns the access key. Throws S3Error. */
export function verifyFormSignature(fields: ReadonlyMap<string, string>, options: FormAuthOptions): string {
  const policy = fields.get('policy');
  if (policy === undefined) throw missingField('policy');
  return fields.has('x-amz-signature') || fields.has('x-amz-algorithm') || fields.has('x-amz-credential')
    ? verifyV4(policy, fields, options)
    : verifyV2(policy, fields, options);
}

function verifyV4(policy: string, fields: ReadonlyMap<string, string>, options: FormAuthOptions): string {
  for (const name of ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) {
    if (!fields.has(name)) throw missingField(name);
  }
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new S3Error('InvalidArgument', 'Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm.', {
      ArgumentName: 'x-amz-algorithm',
      ArgumentValue: fields.get('x-amz-algorithm'),
    });
  }
  const parts = fields.get('x-amz-credential')!.split('/');
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  if (parts.length < 5 || parts[0] === '' || !/^\d{8}$/.test(date) || region === '' || service !== 's3' || terminator !== 'aws4_request') {
    throw new S3Error('InvalidArgument', 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".', {
      ArgumentName: 'x-amz-credential',
      ArgumentValue: fields.get('x-amz-credential'),
    });
  }
  const amzDate = fields.get('x-amz-date')!;
  if (parseAmzDate(amzDate) === undefined) {
    throw new S3Error('InvalidArgument', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", { ArgumentName: 'x-amz-date', ArgumentValue: amzDate });
  }
  const normalizedRegion = region === 'US' ? 'us-east-1' : region;
  if (options.region !== undefined && normalizedRegion !== options.region) {
    throw new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${options.region}'`);
  }
  const accessKey = parts.slice(0, -4).join('/');
  const secret = options.lookupSecret(accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
  const expected = hmacHex(cachedSigningKey(secret, date, region, 's3').hmacKey, policy);
  if (!signaturesEqual(expected, fields.get('x-amz-signature')!)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: accessKey, StringToSign: policy, SignatureProvided: fields.get('x-amz-signature') });
  }
  return accessKey;
}

function verifyV2(policy: string, fields: ReadonlyMap<string, string>, options: FormAuthOptions): string {
  const accessKey = fields.get('awsaccesskeyid');
  if (accessKey === undefined) throw missingField('AWSAccessKeyId');
  const provided = fields.get('signature');
  if (provided === undefined) throw missingField('Signature');
  const secret = options.lookupSecret(accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
  const expected = createHmac('sha1', secret).update(policy, 'utf8').digest('base64');
  if (!signaturesEqual(expected, provided)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: accessKey, StringToSign: policy, SignatureProvided: provided });
  }
  return accessKey;
}
