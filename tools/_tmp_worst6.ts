import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest/ingest';

(DEFAULT_INGEST_CONFIG as any).maxBodyBytes = Number(process.env.SIZE ?? 6 * 1024 * 1024);
const { worstShapes } = require('../tools/fuzz/arbitraries');
const { deliveredBytes, materialize } = require('../tools/fuzz/cases');
const { validateEvent } = require('../functions/core/ingest/validation');
let n = 0;
for (const shape of worstShapes()) {
  const { event } = materialize(shape.fuzzCase, `b${n++}`);
  const body = deliveredBytes(event);
  let t = performance.now();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {}
  const p = performance.now() - t;
  t = performance.now();
  validateEvent(parsed);
  const v = performance.now() - t;
  t = performance.now();
  try {
    JSON.stringify(parsed);
  } catch {}
  const s = performance.now() - t;
  console.log(
    shape.name.padEnd(70),
    body.length,
    'parse',
    p.toFixed(1),
    'validate',
    v.toFixed(1),
    'stringify',
    s.toFixed(1),
  );
}
