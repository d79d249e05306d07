/**
 * AWS list prices the cost model uses, in one place.
 *
 * Region us-east-1 (N. Virginia), USD, no free tier, no savings plans. Source: the AWS pricing pages named beside each
 * block, as of the date below, QUOTED FROM MEMORY: the machine this was written on cannot browse. Check each value
 * against the page before quoting a figure to anyone, and update `PRICES_AS_OF` when you do.
 */
export const PRICES_AS_OF = '2025-06 (recalled, not re-checked online)';
export const PRICES_REGION = 'us-east-1';

/** https://aws.amazon.com/api-gateway/pricing/ */
export const API_GATEWAY = {
  /** HTTP API, first 300 million requests a month; each 512 KB of a request counts as one request. */
  httpApiPerMillionRequests: 1.0,
  /** REST API, first 333 million requests a month. */
  restApiPerMillionRequests: 3.5,
} as const;

/** https://aws.amazon.com/lambda/pricing/ */
export const LAMBDA = {
  perMillionRequests: 0.2,
  /** Arm (Graviton), first 7.5 billion GB-seconds a month. */
  perGbSecondArm64: 0.0000133334,
  /** x86, first 6 billion GB-seconds a month. */
  perGbSecondX86: 0.0000166667,
  /**
   * Since 2025-08-01 the INIT phase of on-demand functions on managed runtimes is billed like invocation time (it was
   * free before). Not a price; recorded here because it changes what a cold start costs.
   */
  initIsBilled: true,
} as const;

/** On-demand request and storage prices of one DynamoDB table class. */
export interface TableClassPrices {
  readonly perMillionWriteUnits: number;
  readonly perMillionReadUnits: number;
  readonly perGbMonth: number;
}

/** https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the 50% on-demand price cut of 2024-11-01). */
export const DYNAMODB = {
  standard: {
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
    perGbMonth: 0.25,
  },
  /**
   * Standard-Infrequent Access table class: cheaper storage, dearer requests. The write price assumes the 2024 cut
   * halved the Standard-IA on-demand price too ($1.5625 before); check it.
   */
  standardIa: {
    perMillionWriteUnits: 0.78125,
    perMillionReadUnits: 0.15625,
    perGbMonth: 0.1,
  },
  /** Point-in-time recovery (continuous backups), billed on the table's size. */
  pitrPerGbMonth: 0.2,
  /** Stream reads made by a Lambda event source mapping are free; TTL deletes are free. */
  streamReadsByLambda: 0,
} as const;

/** https://aws.amazon.com/sns/pricing/ */
export const SNS = {
  /** Standard topics; each 64 KB chunk of a message is one request. */
  perMillionPublishes: 0.5,
  emailPer100kDeliveries: 2.0,
  /** Deliveries to SQS queues and Lambda functions are free (the queue's own requests are billed to its owner). */
  sqsPerMillionDeliveries: 0,
  httpsPerMillionDeliveries: 0.6,
} as const;

/** https://aws.amazon.com/cloudwatch/pricing/ (Logs, standard class). */
export const CLOUDWATCH_LOGS = {
  ingestionPerGb: 0.5,
  storagePerGbMonth: 0.03,
} as const;

/** https://aws.amazon.com/secrets-manager/pricing/ */
export const SECRETS_MANAGER = {
  perSecretMonth: 0.4,
  per10kApiCalls: 0.05,
} as const;

/**
 * The prices an idle deployment pays every month whatever its traffic, checked on 2026-12-07 against the stored copies
 * of the AWS pricing pages named below (us-east-1, no free tier; not re-read live: this machine cannot browse).
 */
export const IDLE_PRICES_AS_OF = '2026-12-07';

/** https://aws.amazon.com/kms/pricing/ */
export const KMS = {
  /** Each customer managed key, until it is deleted (a key pending deletion is free). */
  perKeyMonth: 1.0,
  /**
   * Automatic yearly rotation: since May 2024 the first and second rotation each add $1/month to the key; later
   * rotations add nothing. So a rotated key costs $1, then $2 after a year, then $3 from its second year on.
   */
  perRotationMonth: 1.0,
  maxBilledRotations: 2,
} as const;

/** https://aws.amazon.com/cloudwatch/pricing/ (alarms, dashboards). */
export const CLOUDWATCH = {
  /** Standard-resolution alarm (period >= 60 s), per metric it evaluates: a metric-math alarm pays for each metric. */
  perStandardAlarmMetricMonth: 0.1,
  /** High-resolution alarm (period < 60 s), per metric. */
  perHighResolutionAlarmMetricMonth: 0.3,
  perCompositeAlarmMonth: 0.5,
  perDashboardMonth: 3.0,
} as const;
