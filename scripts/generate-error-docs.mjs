// Writes docs/s3-errors.md from the built error catalogue (npm run docs:errors builds first).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { renderErrorCatalogue } = require('../dist/src/domain/error-catalogue-doc.js');
writeFileSync(new URL('../docs/s3-errors.md', import.meta.url), renderErrorCatalogue());
console.log('docs/s3-errors.md written');
