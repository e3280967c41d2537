/** The aws cli and boto3 (python3) as child processes against a test server. */
import { execFile, execFileSync } from 'node:child_process';
import { awsCliEnv } from './s3-clients';
import { ACCESS_KEY, SECRET_KEY, type CairnServer } from './server';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The aws script itself rather than pyenv's shim (a bash wrapper that costs time on every call). */
const AWS = (() => {
  try {
    return execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim() || 'aws';
  } catch {
    return 'aws';
  }
})();

function run(command: string, args: string[], env: Record<string, string>, input?: string): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** `aws <args> --endpoint-url <server>` with the test credentials. */
export function awsCli(server: CairnServer, args: string[]): Promise<ToolResult> {
  return run(AWS, [...args, '--endpoint-url', server.endpoint], awsCliEnv());
}

/**
 * Runs a python3 script with `s3`, a boto3 client for the server (default settings), and
 * `ClientError` in scope. Whatever it prints is returned.
 */
export function boto3(server: CairnServer, script: string): Promise<ToolResult> {
  const prelude = [
    'import boto3, json, sys',
    'from botocore.exceptions import ClientError',
    `s3 = boto3.client('s3', endpoint_url='${server.endpoint}', region_name='us-east-1', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}')`,
  ].join('\n');
  return run('python3', ['-'], { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' }, `${prelude}\n${script}\n`);
}
