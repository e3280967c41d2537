import { describe, expect, it } from 'vitest';
import { parseCopySource, parseDirective } from '../../../src/modules/s3-api/copy-source';
import { pull } from '../../../src/modules/objects/copy-payload';
import { codeOf } from '../../helpers/s3-error-code';


describe('x-amz-copy-source', () => {
  it('reads bucket/key with or without a leading slash, URL-decoded', () => {
    expect(parseCopySource('src/a/b.txt')).toEqual({ bucket: 'src', key: 'a/b.txt' });
    expect(parseCopySource('/src/caf%C3%A9%20%2B%3F.txt')).toEqual({ bucket: 'src', key: 'café +?.txt' });
  });

  it('reads ?versionId= (one of cairn\'s ids, or null)', () => {
    const id = '0194a5b3c2d1000a8f3e2d1c0b9a8776';
    expect(parseCopySource(`src/k?versionId=${id}`)).toEqual({ bucket: 'src', key: 'k', versionId: id });
    expect(parseCopySource('src/k?versionId=null')).toEqual({ bucket: 'src', key: 'k', versionId: 'null' });
  });

  it('refuses a source without bucket or key, bad escapes and an empty or malformed version id as InvalidArgument', () => {
    for (const bad of ['src', 'src/', '/k', '%E0%A4%A/k', 'src/k?versionId=', 'src/k?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY']) {
      expect(codeOf(() => parseCopySource(bad)), bad).toBe('InvalidArgument');
    }
  });

  it('knows COPY (default) and REPLACE directives only', () => {
    expect(parseDirective(undefined, 'metadata')).toBe('COPY');
    expect(parseDirective('REPLACE', 'metadata')).toBe('REPLACE');
    expect(codeOf(() => parseDirective('replace', 'metadata'))).toBe('InvalidArgument');
  });
});

describe('pull: a push-style reader as an async iterable', () => {
  it('yields every chunk in order and waits for the consumer', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const chunks: string[] = [];
    for await (const chunk of pull(async (sink) => {
      for (let i = 0; i < 5; i++) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sink([Buffer.from(`a${i}`), Buffer.from(`b${i}`)]);
        inFlight--;
      }
    })) {
      chunks.push(chunk.toString());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(chunks).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
    expect(maxInFlight).toBe(1);
  });

  it('passes the reader failure on, and stops the reader when the consumer stops', async () => {
    await expect(async () => {
      for await (const _ of pull(async () => Promise.reject(new Error('unreadable')))) void _;
    }).rejects.toThrow('unreadable');

    let calls = 0;
    let producerEnded: unknown;
    const source = pull(async (sink) => {
      try {
        for (;;) {
          calls++;
          await sink([Buffer.from('x')]);
        }
      } catch (error) {
        producerEnded = error;
      }
    });
    for await (const _ of source) break;
    expect(calls).toBeLessThanOrEqual(2);
    expect(producerEnded).toBeInstanceOf(Error);
  });
});
