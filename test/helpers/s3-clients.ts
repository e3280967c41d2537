/** Real S3 clients pointed at a test server, each with its default settings. */
import { S3Client } from '@aws-sdk/client-s3';
import * as Minio from 'minio';
import { ACCESS_KEY, SECRET_KEY, type CairnServer } from './server';

/**
 * SDK v3 as an application configures it: endpoint, region and credentials, nothing else. The
 * endpoint is an IP address, so the SDK addresses buckets path-style by itself (virtual-hosted
 * addressing has its own e2e test).
 */
export function sdkClient(server: CairnServer, overrides: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    ...overrides,
  });
}

export function minioClient(server: CairnServer, options: { partSize?: number } = {}): Minio.Client {
  return new Minio.Client({ endPoint: '127.0.0.1', port: server.port, useSSL: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, ...options });
}

/** Environment for the aws cli (installed with python3) against a test server. */
export function awsCliEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}
