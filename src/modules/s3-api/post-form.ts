/**
 * Reading a browser-form upload (multipart/form-data): the fields up to the file, then the
 * file part as a stream that nobody has read yet. Fields after the file are ignored, as AWS
 * ignores them. The fields are bounded (AWS: 20 KB before the file); the file never buffers.
 */
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import { s3Error } from '../../domain/errors';

/** AWS refuses forms whose fields before the file exceed 20 KB. */
export const MAX_FORM_FIELDS_BYTES = 20 * 1024;

export interface PostForm {
  /** Form fields by lowercase name (field names are case-insensitive to S3). */
  readonly fields: ReadonlyMap<string, string>;
  /** The `file` part: its bytes (not yet read) and its file name ('' when none was sent). */
  readonly file: BusboyFileStream;
  readonly filename: string;
}

/** Parses the request until its file part. Throws MalformedPOSTRequest, MaxPostPreDataLengthExceeded, IncorrectNumberOfFilesInPostRequest. */
export function readPostForm(request: IncomingMessage): Promise<PostForm> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: request.headers as { 'content-type': string },
        // The part named `file` is the file, with or without a filename; every other part is a field.
        isPartAFile: (name) => name?.toLowerCase() === 'file',
        limits: { fieldSize: MAX_FORM_FIELDS_BYTES, fieldNameSize: MAX_FORM_FIELDS_BYTES },
      });
    } catch {
      reject(s3Error('MalformedPOSTRequest'));
      return;
    }
    const fields = new Map<string, string>();
    let fieldBytes = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      request.resume(); // discard the rest of the body
      reject(error);
    };
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (settled) return; // after the file: ignored
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (nameTruncated || valueTruncated || fieldBytes > MAX_FORM_FIELDS_BYTES) {
        fail(s3Error('MaxPostPreDataLengthExceeded'));
        return;
      }
      fields.set(name.toLowerCase(), value);
    });
    let file: BusboyFileStream | undefined;
    parser.on('file', (_name, stream, filename) => {
      if (settled) {
        stream.resume(); // a second file: AWS reads only the first
        return;
      }
      settled = true;
      file = stream;
      resolve({ fields, file: stream, filename: filename ?? '' });
    });
    // A client that goes away mid-body: the file (if its reader waits) fails rather than hanging.
    request.once('close', () => {
      if (request.complete) return;
      const error = s3Error('IncompleteBody');
      file?.destroy(error);
      fail(error);
    });
    parser.on('finish', () => fail(s3Error('IncorrectNumberOfFilesInPostRequest')));
    parser.on('error', () => fail(s3Error('MalformedPOSTRequest')));
    request.pipe(parser);
  });
}
