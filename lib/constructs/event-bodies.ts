import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { addNagSuppressions } from './nag';

/** The prefix every body object is written under (see overflowBodyKey). */
export const BODIES_PREFIX = 'bodies/';

export interface EventBodiesProps {
  /** The events' retention: each object expires this many days (rounded up) after it was written, as its item does. */
  readonly retentionDays: number;
  /** The same as the table's. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Where a webhook body too large for its DynamoDB item is kept (a compressed body of more than 368 KiB, so a raw one of
 * roughly 1.5 MB or more): one object per body, written by the ingest function before the item that points at it, read
 * by the alerts function and the operator CLI.
 *
 * - Encrypted with the AWS managed KMS key (`aws/s3`), as the table is with `aws/dynamodb`: the same choice for the
 *   same data (see EventsTable), and no key policy or grants to own.
 * - TLS only, all public access blocked, ACLs off (bucket owner enforced).
 * - A lifecycle rule expires each object with the retention, so a body outlives nothing: not its item (TTL), and not
 *   an object whose item write failed or found the event already stored (nothing else ever points at it).
 * - Not versioned: objects are written once under a key derived from their bytes and never overwritten, so versions
 *   would only keep what the lifecycle rule or an erasure deletes.
 * - No server access logs: the only writer is the ingest function and the only readers the alerts function and
 *   operators, all through IAM; CloudTrail data events for the bucket are the audit trail if one is required
 *   (SECURITY.md). A log bucket would be one more bucket to secure for requests the roles already bound.
 * - The same removal policy as the table. CloudFormation deletes only an empty bucket: with `destroy`, empty it first
 *   (`aws s3 rm --recursive`), or the stack's deletion stops there.
 */
export class EventBodies extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: EventBodiesProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'retention',
          expiration: Duration.days(Math.max(1, Math.ceil(props.retentionDays))),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: props.removalPolicy,
    });
    addNagSuppressions(this.bucket.node.defaultChild as CfnBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Written only by the ingest function and read only by the alerts function and operators, all through IAM ' +
          'roles scoped to the bodies/ prefix; CloudTrail data events are the audit trail where one is required. ' +
          'Server access logs would need a second bucket to secure for no request the roles do not already bound.',
      },
    ]);
  }

  /** The ARN pattern of the body objects. */
  get objectsArn(): string {
    return this.bucket.arnForObjects(`${BODIES_PREFIX}*`);
  }
}
