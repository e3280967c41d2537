/**
 * Parsing of XML request documents. Documents with a DOCTYPE are refused outright, so no
 * entity can ever be defined, let alone expanded (billion laughs, external entities).
 */
import { XMLParser } from 'fast-xml-parser';
import { s3Error } from '../../../domain/errors';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

export function parseXmlDocument(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw s3Error('MalformedXML');
  try {
    const parsed = parser.parse(text, true) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an element');
    return parsed;
  } catch {
    throw s3Error('MalformedXML');
  }
}

export function parseCreateBucketConfiguration(body: Buffer): { locationConstraint?: string } {
  const document = parseXmlDocument(body);
  const root = document.CreateBucketConfiguration;
  if (root === undefined) throw s3Error('MalformedXML');
  if (root === '' || typeof root !== 'object') return {};
  const location = (root as Record<string, unknown>).LocationConstraint;
  return typeof location === 'string' && location !== '' ? { locationConstraint: location } : {};
}
