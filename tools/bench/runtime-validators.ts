import type Ajv from 'ajv';
import { createAjv } from '../../functions/core/ingest/schemas/compile';
import { compiledSchemas } from '../../functions/core/ingest/schemas/definitions';
import type { GeneratedValidator } from '../../functions/core/ingest/schemas/generated/validators';
import * as generated from '../../functions/core/ingest/schemas/generated/validators';
import { type Validators, validatorsAheadOfTime } from '../../functions/core/ingest/validation';

/** A schema the ahead-of-time validators use has no runtime counterpart (the generated module and the schemas drifted). */
export class ValidatorMappingError extends Error {
  override name = 'ValidatorMappingError';
}

type ExportName = keyof typeof compiledSchemas;

/** The export name of a generated validator function, found by identity. */
function exportNameOf(validator: GeneratedValidator): ExportName {
  for (const name of Object.keys(compiledSchemas) as ExportName[]) {
    if ((generated as Record<ExportName, GeneratedValidator>)[name] === validator) return name;
  }
  throw new ValidatorMappingError('a validator in validatorsAheadOfTime is not an export of the generated module');
}

/**
 * The same validators as `validatorsAheadOfTime` (same schemas, same options, same event types), compiled by ajv in
 * this process: the "runtime" anchor, and what a receiver without ahead-of-time compilation would run.
 * The type-to-schema mapping is read from `validatorsAheadOfTime`, so the two cannot cover different events.
 * `types` limits the data validators compiled (ajv compiles a schema on first use) to what one event needs.
 */
export function compileValidatorsAtRuntime(
  ajv: Ajv = createAjv(),
  types: readonly string[] = Object.keys(validatorsAheadOfTime.dataByType),
): Validators {
  const compile = (validator: GeneratedValidator): GeneratedValidator => {
    const id = compiledSchemas[exportNameOf(validator)].$id as string;
    const compiled = ajv.getSchema(id);
    if (!compiled) throw new ValidatorMappingError(`ajv has no schema with $id "${id}"`);
    return compiled as GeneratedValidator;
  };
  const dataByType: Record<string, GeneratedValidator> = {};
  for (const type of types) {
    const validator = validatorsAheadOfTime.dataByType[type];
    if (validator) dataByType[type] = compile(validator);
  }
  return { envelope: compile(validatorsAheadOfTime.envelope), dataByType };
}
