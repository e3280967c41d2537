/** The `CORSConfiguration` document of Get/PutBucketCors. */
import { s3Error } from '../../../domain/errors';
import type { CorsRule } from '../../../domain/rules/cors';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import { childElements, childText, childTexts, parseS3Document } from './s3-document';

const RULE = 'CORSConfiguration.CORSRule';

export function parseCorsConfiguration(body: Buffer): CorsRule[] {
  const root = parseS3Document(body, 'CORSConfiguration', [RULE, `${RULE}.AllowedOrigin`, `${RULE}.AllowedMethod`, `${RULE}.AllowedHeader`, `${RULE}.ExposeHeader`]);
  return childElements(root, 'CORSRule').map((element) => {
    const id = childText(element, 'ID');
    const maxAge = childText(element, 'MaxAgeSeconds');
    if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge.trim())) throw s3Error('MalformedXML');
    const rule: CorsRule = {
      allowedOrigins: childTexts(element, 'AllowedOrigin'),
      allowedMethods: childTexts(element, 'AllowedMethod'),
      allowedHeaders: childTexts(element, 'AllowedHeader'),
      exposeHeaders: childTexts(element, 'ExposeHeader'),
      ...(id !== undefined ? { id } : {}),
      ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge.trim()) } : {}),
    };
    return rule;
  });
}

export function renderCorsConfiguration(rules: readonly CorsRule[]): string {
  let body = '';
  for (const rule of rules) {
    body += '<CORSRule>';
    body += tag('ID', rule.id);
    for (const header of rule.allowedHeaders) body += tag('AllowedHeader', header);
    for (const method of rule.allowedMethods) body += tag('AllowedMethod', method);
    for (const origin of rule.allowedOrigins) body += tag('AllowedOrigin', origin);
    for (const header of rule.exposeHeaders) body += tag('ExposeHeader', header);
    body += tag('MaxAgeSeconds', rule.maxAgeSeconds);
    body += '</CORSRule>';
  }
  return s3Document('CORSConfiguration', body);
}
