#!/usr/bin/env node
// The `cairn` command. The TypeScript is compiled to dist/ by `npm install` (prepare) or `npm run build`.
'use strict';
try {
  require.resolve('../dist/src/main.js');
} catch {
  console.error('cairn: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
require('../dist/src/main.js');
