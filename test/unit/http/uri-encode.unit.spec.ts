import { describe, it, expect } from 'vitest';
import { escapeUri } from '@smithy/core/protocols';
import { normalizeEncoded, uriEncode, uriEncodeBytes } from '../../../src/infra/http/uri-encode';

describe('uriEncode', () => {
  it('keeps the RFC 3986 unreserved characters and encodes everything else upper-case', () => {
    expect(uriEncode('AZaz09-._~')).toBe('AZaz09-._~');
    expect(uriEncode(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}")).toBe('%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D');
  });

  it('encodes the UTF-8 bytes of non-ASCII text', () => {
    expect(uriEncode('ü')).toBe('%C3%BC');
    expect(uriEncode('文')).toBe('%E6%96%87');
    expect(uriEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('keeps "/" only when asked', () => {
    expect(uriEncode('a/b c/', true)).toBe('a/b%20c/');
    expect(uriEncode('a/b', false)).toBe('a%2Fb');
  });

  it("agrees with the SDK's escapeUri on every character below U+0800", () => {
    for (let code = 0; code < 0x800; code++) {
      const char = String.fromCharCode(code);
      expect(uriEncode(char)).toBe(escapeUri(char));
    }
  });

  it('encodes raw bytes, including ones that are not UTF-8', () => {
    expect(uriEncodeBytes(Buffer.from([0x00, 0x41, 0xff, 0x2f]))).toBe('%00A%FF%2F');
    expect(uriEncodeBytes(Buffer.from([0x2f]), true)).toBe('/');
  });
});

describe('normalizeEncoded', () => {
  it('leaves canonical input alone', () => {
    expect(normalizeEncoded('/bucket/a%20b/%C3%BC', { keepSlash: true })).toBe('/bucket/a%20b/%C3%BC');
  });

  it('encodes characters sent raw and upper-cases escapes', () => {
    expect(normalizeEncoded('/b/(x)!*\'', { keepSlash: true })).toBe('/b/%28x%29%21%2A%27');
    expect(normalizeEncoded('/b/%c3%bc', { keepSlash: true })).toBe('/b/%C3%BC');
  });

  it('decodes escapes of unreserved characters', () => {
    expect(normalizeEncoded('%41%7E%2e')).toBe('A~.');
  });

  it('keeps an encoded slash encoded, and literal slashes per option', () => {
    expect(normalizeEncoded('/a%2Fb/c', { keepSlash: true })).toBe('/a%2Fb/c');
    expect(normalizeEncoded('a/b')).toBe('a%2Fb');
  });

  it('keeps double and trailing slashes', () => {
    expect(normalizeEncoded('//a//b/', { keepSlash: true })).toBe('//a//b/');
  });

  it('turns a stray "%" into %25 and keeps invalid UTF-8 escapes byte for byte', () => {
    expect(normalizeEncoded('100%')).toBe('100%25');
    expect(normalizeEncoded('%zz%4')).toBe('%25zz%254');
    expect(normalizeEncoded('%FF%fe')).toBe('%FF%FE');
  });

  it('reads "+" as a space only when asked', () => {
    expect(normalizeEncoded('a+b')).toBe('a%2Bb');
    expect(normalizeEncoded('a+b', { plusAsSpace: true })).toBe('a%20b');
  });

  it('encodes non-ASCII text given as characters', () => {
    expect(normalizeEncoded('/ü/😀', { keepSlash: true })).toBe('/%C3%BC/%F0%9F%98%80');
  });
});
