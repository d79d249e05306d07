/**
 * The events table's shape, shared by the CDK stack, the DynamoDB adapter and the local mode so they cannot drift.
 */
export const EVENTS_TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
} as const;
