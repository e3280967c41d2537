import { defineConfig } from 'vitest/config';

// Four tiers, named by the file suffix (see CONVENTIONS.md):
//   *.unit.spec.ts  pure domain and codec logic, no disk, no server
//   *.int.spec.ts   real LMDB and real directories in a temp dir
//   *.e2e.spec.ts   a spawned `cairn server` driven by real S3 clients
//   *.fault.spec.ts crashes (kill -9), deleted drives, corrupted shards
// `npm test` builds first (pretest), because e2e and fault tests spawn dist/main.js.
// CAIRN_VERIFY_PROJECTIONS: every event a server (or an in-process engine) appends is also
// projected from its JSON and compared with the live projection (src/infra/drives/log-entry.ts).
// AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: SDK v3 warns once per test file that its
// releases after January 2027 need Node 22; this machine runs Node 20, and the same seven lines
// before every file buried the summary.
const env = { CAIRN_VERIFY_PROJECTIONS: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', env, include: ['test/unit/**/*.unit.spec.ts'], testTimeout: 20_000 } },
      { test: { name: 'integration', env, include: ['test/integration/**/*.int.spec.ts'], testTimeout: 60_000 } },
      { test: { name: 'e2e', env, include: ['test/e2e/**/*.e2e.spec.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
      { test: { name: 'fault', env, include: ['test/fault/**/*.fault.spec.ts'], testTimeout: 300_000, hookTimeout: 60_000 } },
    ],
  },
});
