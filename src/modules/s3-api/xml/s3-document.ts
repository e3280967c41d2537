/**
 * Parsing of configuration documents whose text must survive exactly: object keys in
 * DeleteObjects, tag keys and values, CORS origins. Unlike `parseXmlDocument`, values are
 * not trimmed and character references (`&#13;`, which SDKs use for CR and control
 * characters) are decoded. DOCTYPEs are refused outright, as there.
 */
import { XMLParser } from 'fast-xml-parser';
import { s3Error } from '../../../domain/errors';
import { decodeXmlReferences, documentText } from './request-documents';

export type XmlElement = { readonly [name: string]: XmlNode };
export type XmlNode = string | XmlElement | XmlNode[];

/** Parses `body`, whose root must be `root`; `arrays` are the paths (`Root.Child`) that may repeat. */
export function parseS3Document(body: Buffer, root: string, arrays: readonly string[]): XmlElement {
  const text = documentText(body);
  const repeated = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    // XML's references only (documentText refused any other), decoded in one pass.
    processEntities: false,
    tagValueProcessor: (_name, value) => decodeXmlReferences(value),
    isArray: (_name, jpath) => repeated.has(String(jpath)),
  });
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text, true) as Record<string, unknown>;
  } catch {
    throw s3Error('MalformedXML');
  }
  const element = document?.[root];
  if (element === undefined) throw s3Error('MalformedXML');
  // An empty root (`<Delete/>`) parses as ''.
  return typeof element === 'object' && element !== null && !Array.isArray(element) ? (element as XmlElement) : {};
}

/** The text of a child element, or undefined when absent. An element with children is malformed. */
export function childText(element: XmlElement, name: string): string | undefined {
  const node = element[name];
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  if (!Array.isArray(node) && Object.keys(node).every((k) => k.startsWith('@') || k === '#text')) {
    const text = node['#text'];
    return typeof text === 'string' ? text : '';
  }
  throw s3Error('MalformedXML');
}

/** Repeated child elements (declared in `arrays`), each an element. */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  const node = element[name];
  if (node === undefined) return [];
  const list = Array.isArray(node) ? node : [node];
  return list.map((item) => {
    if (item === '') return {};
    if (typeof item === 'string' || Array.isArray(item)) throw s3Error('MalformedXML');
    return item;
  });
}

/** Repeated child text elements (declared in `arrays`). */
export function childTexts(element: XmlElement, name: string): string[] {
  const node = element[name];
  if (node === undefined) return [];
  const list = Array.isArray(node) ? node : [node];
  return list.map((item) => {
    if (typeof item !== 'string') throw s3Error('MalformedXML');
    return item;
  });
}

/** A single child element (absent: undefined). */
export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  const node = element[name];
  if (node === undefined) return undefined;
  if (node === '') return {};
  if (typeof node === 'string' || Array.isArray(node)) throw s3Error('MalformedXML');
  return node;
}
