/** The `AccessControlPolicy` document of Get/PutBucketAcl and Get/PutObjectAcl. */
import { s3Error } from '../../../domain/errors';
import type { AclGrant } from '../../../domain/rules/acl';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import type { Owner } from '../s3-owner';
import { renderOwner } from './buckets.xml';
import { childElement, childElements, childText, parseS3Document } from './s3-document';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The only ACL cairn has: the owner with FULL_CONTROL, as AWS renders it. */
export function renderOwnerOnlyAcl(owner: Owner): string {
  const grantee = `<Grantee xmlns:xsi="${XSI}" xsi:type="CanonicalUser">${tag('ID', owner.id)}${tag('DisplayName', owner.displayName)}</Grantee>`;
  return s3Document('AccessControlPolicy', `${renderOwner(owner)}<AccessControlList><Grant>${grantee}<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>`);
}

export function parseAccessControlPolicy(body: Buffer): AclGrant[] {
  let root;
  try {
    root = parseS3Document(body, 'AccessControlPolicy', ['AccessControlPolicy.AccessControlList.Grant']);
  } catch {
    throw s3Error('MalformedACLError');
  }
  const list = childElement(root, 'AccessControlList');
  if (!list) throw s3Error('MalformedACLError');
  return childElements(list, 'Grant').map((grant) => {
    const grantee = childElement(grant, 'Grantee');
    const permission = childText(grant, 'Permission');
    const type = grantee?.['@type'];
    if (!grantee || permission === undefined || typeof type !== 'string') throw s3Error('MalformedACLError');
    return {
      granteeType: type,
      permission: permission.trim(),
      ...optional('id', childText(grantee, 'ID')),
      ...optional('uri', childText(grantee, 'URI')),
      ...optional('email', childText(grantee, 'EmailAddress')),
    };
  });
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value.trim() } as Record<K, string>);
}
