/**
 * The client side of the admin HTTP API: a request to `/.cairn/admin/v1/<path>` signed with
 * SigV4 by the root user (CAIRN_ROOT_USER / CAIRN_ROOT_PASSWORD, or MINIO_ROOT_USER /
 * MINIO_ROOT_PASSWORD), and the one-line reason of a refusal.
 */
import { signRequest } from '../infra/http/sigv4-signer';

export async function adminRequest(endpoint: string, path: string, params: Record<string, string | undefined>, method = 'GET'): Promise<Response> {
  const accessKey = process.env.CAIRN_ROOT_USER ?? process.env.MINIO_ROOT_USER ?? 'minioadmin';
  const secretKey = process.env.CAIRN_ROOT_PASSWORD ?? process.env.MINIO_ROOT_PASSWORD ?? 'minioadmin';
  const region = process.env.CAIRN_REGION ?? process.env.MINIO_REGION ?? 'us-east-1';
  const url = new URL(`/.cairn/admin/v1/${path}`, endpoint);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return fetch(url, { method, headers: signRequest({ method, url, accessKey, secretKey, region }) });
}

/** "Code message" from an admin API error body ({ code, message } JSON), else the status and text. */
export async function refusalOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return `${body.code ?? response.status} ${body.message ?? ''}`.trim();
  } catch {
    return `${response.status} ${text}`.trim();
  }
}

export function unreachable(endpoint: string, error: unknown): string {
  return `cairn: cannot reach ${endpoint}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`;
}
