/** Compiles the JSON Schemas ahead of time into functions/core/ingest/schemas/generated/validators.js (ajv standalone code). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateValidatorsSource } from '../functions/core/ingest/schemas/compile';

const outDir = join(__dirname, '..', 'functions', 'core', 'ingest', 'schemas', 'generated');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'validators.js');
const source = generateValidatorsSource();
writeFileSync(file, source);
console.log(`wrote ${file} (${source.length} bytes)`);
