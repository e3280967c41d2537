/**
 * Parsing of XML request documents. Documents with a DOCTYPE are refused outright, so no
 * entity can ever be defined, let alone expanded (billion laughs, external entities).
 */
import { XMLParser } from 'fast-xml-parser';
import type { CompletedPartRequest } from '../../../domain/deciders/multipart-decider';
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

/** The elements of a list that fast-xml-parser gives as one object when there is a single one. */
function asList(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

const CHECKSUM_ELEMENTS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;

/** CompleteMultipartUpload: the parts, in the order given (the decider checks the order). */
export function parseCompleteMultipartUpload(body: Buffer): CompletedPartRequest[] {
  const root = parseXmlDocument(body).CompleteMultipartUpload;
  if (root === undefined) throw s3Error('MalformedXML');
  if (root === '' || typeof root !== 'object') return [];
  return asList((root as Record<string, unknown>).Part).map((entry) => {
    if (typeof entry !== 'object' || entry === null) throw s3Error('MalformedXML');
    const part = entry as Record<string, unknown>;
    const partNumber = typeof part.PartNumber === 'string' && /^\d{1,5}$/.test(part.PartNumber) ? Number(part.PartNumber) : NaN;
    if (!Number.isInteger(partNumber) || typeof part.ETag !== 'string') throw s3Error('MalformedXML');
    const algorithm = CHECKSUM_ELEMENTS.find((name) => typeof part[`Checksum${name}`] === 'string');
    return {
      partNumber,
      etag: part.ETag,
      ...(algorithm ? { checksum: { algorithm, value: part[`Checksum${algorithm}`] as string } } : {}),
    };
  });
}
