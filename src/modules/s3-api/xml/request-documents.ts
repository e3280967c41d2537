/**
 * Parsing of XML request documents. Documents with a DOCTYPE are refused outright, so no
 * entity can ever be defined, let alone expanded (billion laughs, external entities).
 */
import { XMLParser } from 'fast-xml-parser';
import type { CompletedPartRequest } from '../../../domain/deciders/multipart-decider';
import { s3Error } from '../../../domain/errors';

/** One of XML's own references: a predefined entity (group 1), a decimal (2) or hex (3) character reference. */
const XML_REFERENCE = '&(?:(amp|lt|gt|quot|apos)|#(\\d{1,7})|#x([0-9a-fA-F]{1,6}));';

function referencedCodePoint(dec: string | undefined, hex: string | undefined): number {
  return dec !== undefined ? Number(dec) : parseInt(hex!, 16);
}

const ALL_XML_REFERENCES = new RegExp(XML_REFERENCE, 'g');

/**
 * XML's own references, decoded in one pass: the five predefined entities and numeric
 * character references (Go clients such as rclone write quotes as `&#34;`). Only called on
 * documents `documentText` passed, whose every reference is one of these.
 */
export function decodeXmlReferences(text: string): string {
  return text.replace(ALL_XML_REFERENCES, (whole, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return PREDEFINED_ENTITIES[named];
    const code = referencedCodePoint(dec, hex);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Keys may begin or end with spaces: values are kept as sent (parsers trim what they must).
  trimValues: false,
  // fast-xml-parser leaves numeric references alone unless told to decode HTML's entities too.
  processEntities: false,
  tagValueProcessor: (_name, value) => decodeXmlReferences(value),
});

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Characters XML 1.0 does not allow anywhere (its Char production, section 2.2). */
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** Where `&` is only text: CDATA sections, comments, processing instructions. */
const LITERAL_SECTIONS = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/**
 * Every `&` outside literal sections must begin one of XML's own references, to a character
 * XML allows: no HTML entities (`&copy;`), no bare `&`, no `&#1;` or `&#xD800;`. A parser that
 * dropped such a reference would read `x&#1;y` as the key `xy`, and DeleteObjects would delete
 * another object than the one named.
 */
function assertWellFormedReferences(text: string): void {
  const outsideLiterals = text.replace(LITERAL_SECTIONS, '');
  const referenceHere = new RegExp(XML_REFERENCE, 'y');
  for (let at = outsideLiterals.indexOf('&'); at !== -1; at = outsideLiterals.indexOf('&', at + 1)) {
    referenceHere.lastIndex = at;
    const reference = referenceHere.exec(outsideLiterals);
    if (!reference) throw s3Error('MalformedXML');
    const [, named, dec, hex] = reference;
    if (!named && !isXmlChar(referencedCodePoint(dec, hex))) throw s3Error('MalformedXML');
  }
}

/**
 * The text of a request document: MalformedXML unless it is UTF-8 (a byte that is not would
 * otherwise become U+FFFD, and a DeleteObjects key with it another key), free of DOCTYPEs,
 * and made of characters and references XML 1.0 allows.
 */
export function documentText(body: Buffer): string {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw s3Error('MalformedXML');
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw s3Error('MalformedXML');
  if (FORBIDDEN_CHARACTER.test(text)) throw s3Error('MalformedXML');
  assertWellFormedReferences(text);
  return text;
}

export function parseXmlDocument(body: Buffer): Record<string, unknown> {
  const text = documentText(body);
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
  if (typeof root !== 'object' || root === null) return {};
  const element = (root as Record<string, unknown>).LocationConstraint;
  // Two of them, or one holding elements, name no region: refused, not read as none.
  if (element !== undefined && typeof element !== 'string') throw s3Error('MalformedXML');
  const location = textOf(element);
  return location ? { locationConstraint: location } : {};
}

/** A leaf element's text without surrounding whitespace (for values that are not keys); undefined if absent or not text. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
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
  if (typeof root !== 'object' || root === null) return [];
  return asList((root as Record<string, unknown>).Part).map((entry) => {
    if (typeof entry !== 'object' || entry === null) throw s3Error('MalformedXML');
    const part = entry as Record<string, unknown>;
    const number = textOf(part.PartNumber);
    const etag = textOf(part.ETag);
    if (number === undefined || !/^\d{1,5}$/.test(number) || etag === undefined) throw s3Error('MalformedXML');
    const algorithm = CHECKSUM_ELEMENTS.find((name) => textOf(part[`Checksum${name}`]) !== undefined);
    return {
      partNumber: Number(number),
      etag,
      ...(algorithm ? { checksum: { algorithm, value: textOf(part[`Checksum${algorithm}`])! } } : {}),
    };
  });
}
