// The results bucket: every scan result, its history, the alert ledger, the HTTP caches and
// the deployed cratewatch.toml; plus the bucket that receives the access logs of it, of the
// site bucket and of CloudFront.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type LifecycleRule, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeArnWildcard } from './nag.ts';

/** The id aws-cdk-lib gives the single function behind every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Where the stack uploads cratewatch.toml; the functions read it from there (CRATEWATCH_CONFIG). */
export const CONFIG_KEY = 'config/cratewatch.toml';

/** The key prefixes the functions are granted on, one per kind of object (functions/app/result-store.ts). */
export const PREFIXES = { results: 'results/', state: 'state/', cache: 'cache/' } as const;
export type Prefix = keyof typeof PREFIXES;

/** Which prefixes a function reads, writes and deletes under. */
export interface ObjectAccess {
  read?: readonly Prefix[];
  write?: readonly Prefix[];
  delete?: readonly Prefix[];
}

/** Why each prefix is granted as a whole (cdk-nag asks about every wildcard). */
const PREFIX_REASONS: Record<Prefix, string> = {
  results: 'Keys under results/ are named by repository and scan time (results/<repo>/latest.json, results/<repo>/history/<time>.json); the prefix is the narrowest fixed scope.',
  state: 'state/ holds the alert ledger and nothing else; the prefix is the narrowest fixed scope.',
  cache: 'Keys under cache/ are named by URL hash and by run (cache/http/<hash>, cache/index-deltas/<run>.json.gz); the prefix is the narrowest fixed scope.',
};

/** S3 allows 1000 lifecycle rules: one per repository's history, one for the whole bucket. */
export const MAX_HISTORY_RULES = 999;

/** A bucket that is private, encrypted and TLS-only, the way every bucket of the stack is. */
function privateBucketProps() {
  return {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.RETAIN,
  } as const;
}

export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      ...privateBucketProps(),
      // CloudFront's standard logs are delivered with an ACL grant; S3 access logs use the bucket policy.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the access-log bucket itself; logging its own access would log forever.' });
  }
}

export interface ResultsBucketProps {
  logsBucket: Bucket;
  /** The repositories' names: each gets a lifecycle rule on `results/<name>/history/`. */
  repositories: readonly string[];
  historyTransitionDays: number;
  historyExpirationDays: number;
  /** The text of cratewatch.toml, uploaded to CONFIG_KEY on every deploy that changes it. */
  configText: string;
}

export class ResultsBucket extends Construct {
  readonly bucket: Bucket;
  /** `s3://bucket/config/cratewatch.toml`, for CRATEWATCH_CONFIG. */
  readonly configUri: string;
  /** The upload of the configuration: functions that read it at start-up depend on it. */
  readonly configUpload: AwsCustomResource;

  constructor(scope: Construct, id: string, props: ResultsBucketProps) {
    super(scope, id);
    if (props.repositories.length > MAX_HISTORY_RULES) {
      throw new Error(`${props.repositories.length} repositories are configured; S3 allows lifecycle rules for at most ${MAX_HISTORY_RULES} histories: split the portfolio over two stacks`);
    }
    // S3 lifecycle filters are prefixes without wildcards, so `results/*/history/` is one
    // rule per repository. History objects under 128 KB stay in S3 Standard (S3's default
    // minimum transition size); Intelligent-Tiering has no retrieval fee for the site builds.
    const historyRules = props.repositories.map(
      (name): LifecycleRule => ({
        id: `history-${name}`,
        prefix: `${PREFIXES.results}${name}/history/`,
        transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(props.historyTransitionDays) }],
        expiration: Duration.days(props.historyExpirationDays),
      }),
    );
    this.bucket = new Bucket(this, 'Bucket', {
      ...privateBucketProps(),
      versioned: true,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 's3/results/',
      lifecycleRules: [
        ...historyRules,
        // latest.json, index.json and the caches are overwritten every run: old versions go after 30 days.
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    this.configUri = `s3://${this.bucket.bucketName}/${CONFIG_KEY}`;

    const put = {
      service: 'S3',
      action: 'putObject',
      parameters: { Bucket: this.bucket.bucketName, Key: CONFIG_KEY, Body: props.configText, ContentType: 'application/toml; charset=utf-8' },
      physicalResourceId: PhysicalResourceId.of(CONFIG_KEY),
      outputPaths: ['ETag'],
    };
    this.configUpload = new AwsCustomResource(this, 'ConfigUpload', {
      onCreate: put,
      onUpdate: put,
      installLatestAwsSdk: false,
      logGroup: new LogGroup(this, 'ConfigUploadLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(CONFIG_KEY)] })]),
    });
    // The provider function is one per stack, a sibling of this construct.
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider === undefined) throw new Error(`the AwsCustomResource provider (${AWS_CUSTOM_RESOURCE_PROVIDER_ID}) is not where aws-cdk-lib used to put it: update results-bucket.ts`);
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "aws-cdk-lib's AwsCustomResource provider role; the managed policy only lets it write its own logs.",
    });
  }

  /** Read of the deployed cratewatch.toml. */
  grantConfigRead(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(CONFIG_KEY)] }));
  }

  /**
   * Object access by prefix (GetObject for `read`, PutObject for `write`, DeleteObject for
   * `delete`) and the listing of the bucket: S3 answers 404 for a missing key only to a
   * caller that may list the bucket (403 otherwise), and the store reads 404 as "absent".
   */
  grantObjects(role: IRole, access: ObjectAccess): void {
    const actions = { read: 's3:GetObject', write: 's3:PutObject', delete: 's3:DeleteObject' } as const;
    for (const [kind, action] of Object.entries(actions) as [keyof ObjectAccess, string][]) {
      const prefixes = access[kind] ?? [];
      if (prefixes.length === 0) continue;
      role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [action], resources: prefixes.map((p) => this.bucket.arnForObjects(`${PREFIXES[p]}*`)) }));
    }
    role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    const used = new Set([...(access.read ?? []), ...(access.write ?? []), ...(access.delete ?? [])]);
    for (const prefix of used) {
      acknowledgeArnWildcard(role, this.bucket, `/${PREFIXES[prefix]}*`, PREFIX_REASONS[prefix]);
    }
  }
}
