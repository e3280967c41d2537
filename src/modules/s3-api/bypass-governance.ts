import { header, type S3Call } from './s3-call';

/**
 * x-amz-bypass-governance-retention: true lets a caller allowed to (s3:BypassGovernanceRetention
 * in AWS) remove or shorten GOVERNANCE-mode protection. cairn's only identity is the root
 * user, who is allowed; COMPLIANCE mode and legal holds are never bypassed.
 */
export function bypassesGovernance(call: S3Call): boolean {
  return header(call, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
}
