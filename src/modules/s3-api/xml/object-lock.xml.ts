/**
 * Object Lock documents: ObjectLockConfiguration (bucket), Retention and LegalHold (object
 * version), parsed from requests and rendered for GETs, plus the x-amz-object-lock-* headers.
 */
import { s3Error } from '../../../domain/errors';
import type { ObjectVersion } from '../../../domain/object-version';
import { assertValidDefaultRetention, type DefaultRetention, type LockRequest, type Retention, type RetentionMode } from '../../../domain/rules/object-lock';
import { s3Document, tag } from '../../../infra/http/xml-writer';
import type { Headers } from '../s3-response';
import { childElement, childText, parseS3Document } from './s3-document';

const text = (value: string | undefined) => value?.trim();

export function parseObjectLockConfiguration(body: Buffer): { defaultRetention?: DefaultRetention } {
  const root = parseS3Document(body, 'ObjectLockConfiguration', []);
  if (text(childText(root, 'ObjectLockEnabled')) !== 'Enabled') throw s3Error('MalformedXML');
  const retention = childElement(childElement(root, 'Rule') ?? {}, 'DefaultRetention');
  if (!retention) return {};
  const number = (name: string) => {
    const value = text(childText(retention, name));
    return value === undefined ? undefined : /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  };
  return { defaultRetention: assertValidDefaultRetention({ mode: text(childText(retention, 'Mode')), days: number('Days'), years: number('Years') }) };
}

export function renderObjectLockConfiguration(config: { defaultRetention?: DefaultRetention }): string {
  const rule = config.defaultRetention;
  const ruleXml = rule
    ? `<Rule><DefaultRetention>${tag('Mode', rule.mode)}${tag('Days', rule.days)}${tag('Years', rule.years)}</DefaultRetention></Rule>`
    : '';
  return s3Document('ObjectLockConfiguration', `${tag('ObjectLockEnabled', 'Enabled')}${ruleXml}`);
}

function parseMode(value: string | undefined): RetentionMode {
  if (value !== 'GOVERNANCE' && value !== 'COMPLIANCE') throw s3Error('MalformedXML');
  return value;
}

function parseDate(value: string | undefined, argument: string): number {
  const time = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(time)) throw s3Error('InvalidArgument', `The ${argument} is not a valid ISO 8601 date.`, { ArgumentName: argument, ArgumentValue: value });
  return time;
}

/** A Retention document; an empty one (no Mode, no date) removes the retention. */
export function parseRetention(body: Buffer): Retention | undefined {
  const root = parseS3Document(body, 'Retention', []);
  const mode = text(childText(root, 'Mode'));
  const until = text(childText(root, 'RetainUntilDate'));
  if (mode === undefined && until === undefined) return undefined;
  return { mode: parseMode(mode), retainUntil: parseDate(until, 'RetainUntilDate') };
}

export function renderRetention(retention: Retention): string {
  return s3Document('Retention', `${tag('Mode', retention.mode)}${tag('RetainUntilDate', new Date(retention.retainUntil).toISOString())}`);
}

export function parseLegalHold(body: Buffer): boolean {
  const status = text(childText(parseS3Document(body, 'LegalHold', []), 'Status'));
  if (status !== 'ON' && status !== 'OFF') throw s3Error('MalformedXML');
  return status === 'ON';
}

export function renderLegalHold(on: boolean): string {
  return s3Document('LegalHold', tag('Status', on ? 'ON' : 'OFF'));
}

/** x-amz-object-lock-mode / -retain-until-date / -legal-hold on PutObject, CopyObject, CreateMultipartUpload. */
export function lockRequestFrom(headers: Record<string, string | string[] | undefined>): LockRequest | undefined {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const mode = one('x-amz-object-lock-mode');
  const until = one('x-amz-object-lock-retain-until-date');
  const hold = one('x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  if ((mode === undefined) !== (until === undefined)) {
    throw s3Error('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  }
  if (hold !== undefined && hold !== 'ON' && hold !== 'OFF') throw s3Error('InvalidArgument', 'Legal Hold must be either of ON or OFF');
  if (mode !== undefined && mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw s3Error('InvalidArgument', 'Unknown wormMode directive.');
  return {
    ...(mode !== undefined ? { retention: { mode: mode as RetentionMode, retainUntil: parseDate(until, 'x-amz-object-lock-retain-until-date') } } : {}),
    ...(hold !== undefined ? { legalHold: hold === 'ON' } : {}),
  };
}

/** The lock headers GET and HEAD return for a version that has a lock. */
export function lockHeaders(version: ObjectVersion): Headers {
  const headers: Headers = {};
  if (version.retention) {
    headers['x-amz-object-lock-mode'] = version.retention.mode;
    headers['x-amz-object-lock-retain-until-date'] = new Date(version.retention.retainUntil).toISOString();
  }
  if (version.legalHold !== undefined) headers['x-amz-object-lock-legal-hold'] = version.legalHold ? 'ON' : 'OFF';
  return headers;
}
