/**
 * CAIRN_VERIFY_PROJECTIONS=1, which the test suite sets (vitest.config.ts) for every server
 * and engine it starts: the projections' shortcuts are checked against the slow, certain
 * path on every use (log-entry.ts, projection-store.ts), and a difference fails the request.
 */
export const VERIFY_PROJECTIONS = process.env.CAIRN_VERIFY_PROJECTIONS === '1';
