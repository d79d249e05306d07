// Types for the generated ajv standalone module beside this file.
export interface GeneratedValidationError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: GeneratedValidationError[] | null;
}

export const validateEnvelope: GeneratedValidator;
export const validateRedemptionData: GeneratedValidator;
export const validateRollbackData: GeneratedValidator;
