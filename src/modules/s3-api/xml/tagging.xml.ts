/** The `Tagging` document of Get/PutObjectTagging and Get/PutBucketTagging. */
import { s3Error } from '../../../domain/errors';
import type { Tag } from '../../../domain/rules/tagging';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import { childElement, childElements, childText, parseS3Document } from './s3-document';

export function parseTagging(body: Buffer): Tag[] {
  const root = parseS3Document(body, 'Tagging', ['Tagging.TagSet.Tag']);
  const tagSet = childElement(root, 'TagSet');
  if (!tagSet) throw s3Error('MalformedXML');
  return childElements(tagSet, 'Tag').map((element) => {
    const key = childText(element, 'Key');
    const value = childText(element, 'Value');
    if (key === undefined || value === undefined) throw s3Error('MalformedXML');
    return { key, value };
  });
}

export function renderTagging(tags: readonly Tag[]): string {
  let items = '';
  for (const { key, value } of tags) items += `<Tag>${tag('Key', key)}${tag('Value', value)}</Tag>`;
  return s3Document('Tagging', `<TagSet>${items}</TagSet>`);
}
