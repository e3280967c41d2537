import { describe, expect, it } from 'vitest';
import { isDamageSymptom } from '../../../src/infra/eventlog/database-damage';

describe('what counts as damage to a drive database', () => {
  it('takes a value that does not parse, and LMDB errors about the tree, for damage', () => {
    let parseError: unknown;
    try {
      JSON.parse('\xff\xff":30000');
    } catch (error) {
      parseError = error;
    }
    expect(isDamageSymptom(parseError)).toBe(true);
    expect(isDamageSymptom(new Error('MDB_CORRUPTED: Located page was wrong type'))).toBe(true);
    expect(isDamageSymptom(new Error('MDB_PAGE_NOTFOUND: Requested page not found'))).toBe(true);
  });

  it('does not blame the drive for errors that say nothing about its file', () => {
    expect(isDamageSymptom(new Error('MDB_READERS_FULL: Environment maxreaders limit reached'))).toBe(false);
    expect(isDamageSymptom(new TypeError("Cannot read properties of undefined (reading 'data')"))).toBe(false);
    expect(isDamageSymptom('MDB_CORRUPTED')).toBe(false);
  });
});
