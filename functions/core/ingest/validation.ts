import type { GeneratedValidator } from './schemas/generated/validators';
import * as generated from './schemas/generated/validators';

/** One reason a payload failed validation: where (a JSON pointer into the body) and what, in words. */
export interface ValidationIssue {
  readonly pointer: string;
  readonly message: string;
}

export type ValidationResult = { ok: true } | { ok: false; issues: ValidationIssue[] };

/** Enough to act on, bounded so a pathological payload cannot bloat the stored item. */
const MAX_ISSUES = 20;

/** The validators the receiver uses, looked up by name; the generated ones unless a caller swaps them. */
export interface Validators {
  readonly envelope: GeneratedValidator;
  readonly dataByType: Readonly<Record<string, GeneratedValidator>>;
}

/** Event types whose `data` has a schema; other types are stored with their envelope checked and `data` as sent. */
export const validatorsAheadOfTime: Validators = {
  envelope: generated.validateEnvelope,
  dataByType: {
    'redemption.failed': generated.validateRedemptionData,
    'redemption.succeeded': generated.validateRedemptionData,
    'redemption.rollback.failed': generated.validateRollbackData,
    'redemption.rollback.succeeded': generated.validateRollbackData,
  },
};

/** Runs one validator and turns ajv's errors into pointer + sentence pairs, with `prefix` for nested documents. */
export function runValidator(validate: GeneratedValidator, value: unknown, prefix = ''): ValidationResult {
  if (validate(value)) return { ok: true };
  // An `if` error only restates the `then` errors it follows (the order-items guard in the schemas): not a problem.
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
  const issues = errors.slice(0, MAX_ISSUES).map((error) => ({
    pointer: `${prefix}${error.instancePath}` || '/',
    message: describe(error.keyword, error.params, error.message),
  }));
  if (errors.length > MAX_ISSUES) {
    issues.push({ pointer: '/', message: `and ${errors.length - MAX_ISSUES} more problems` });
  }
  return { ok: false, issues };
}

function describe(keyword: string, params: Record<string, unknown>, message: string | undefined): string {
  switch (keyword) {
    case 'required':
      return `is missing the required property "${String(params.missingProperty)}"`;
    case 'type':
      return `must be ${String(params.type).replace(',', ' or ')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return `must be a ${String(params.format)} string (for example 2024-02-01T10:25:07.002Z)`;
    default:
      return message ?? keyword;
  }
}

/** Validates the envelope and, for the types we know, its `data`. */
export function validateEvent(body: unknown, validators: Validators = validatorsAheadOfTime): ValidationResult {
  const envelope = runValidator(validators.envelope, body);
  if (!envelope.ok) return envelope;
  const { type, data } = body as { type: string; data: unknown };
  const validateData = Object.hasOwn(validators.dataByType, type) ? validators.dataByType[type] : undefined;
  return validateData ? runValidator(validateData, data, '/data') : { ok: true };
}
