// The Lambda functions: the four esbuild bundles (NodejsFunction, with infra/bundling.ts's
// options) and the site builder (a staged folder with Astro), each with its own role granted
// exactly the keys, topic and secret it uses, its own log group, and a queue that keeps the
// events of asynchronous invocations that failed.
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, type IFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUNDLE_FILE, type BundledHandler, ESBUILD_OPTIONS, HANDLER_EXPORT, handlerEntry } from '../bundling.ts';
import { siteBuilderPackages, siteRuntimeImports, stageSiteBuilder } from '../site-builder.ts';
import { acknowledgeArnWildcard } from './nag.ts';
import type { ObjectAccess, ResultsBucket } from './results-bucket.ts';

/** infra/bundling.ts's esbuild options in the NodejsFunction's terms (it always bundles for platform node). */
export function nodejsBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: ESBUILD_OPTIONS.target,
    minify: ESBUILD_OPTIONS.minify,
    sourceMap: ESBUILD_OPTIONS.sourcemap,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    banner: ESBUILD_OPTIONS.banner.js,
    externalModules: [...ESBUILD_OPTIONS.external],
    logLevel: LogLevel.WARNING,
  };
}

interface FunctionSpec {
  description: string;
  memoryMb: number;
  timeout: Duration;
  objects: ObjectAccess;
  publishes?: boolean;
  readsTokens?: boolean;
}

/**
 * Sizes from the benchmarks: a repository scan holds one lockfile set and the parsed
 * advisory database; prepare refreshes every locked crate's index file; the whole-portfolio
 * scan does all of it at once; the site build peaks near 500 MB for 100 × 300 packages.
 */
const BUNDLED: Record<BundledHandler, FunctionSpec> = {
  prepare: {
    description: 'cratewatch: refreshes the advisory archive and index caches, lists the repositories to scan',
    memoryMb: 1024,
    timeout: Duration.minutes(10),
    // state/: records what a cratewatch from before the alert ledger alerted, before results are replaced.
    objects: { read: ['results', 'state', 'cache'], write: ['state', 'cache'], delete: ['cache'] },
  },
  'scan-repo': {
    description: 'cratewatch: scans one repository and stores its result',
    memoryMb: 512,
    timeout: Duration.minutes(5),
    objects: { read: ['results', 'state', 'cache'], write: ['results', 'state', 'cache'] },
    readsTokens: true,
  },
  finish: {
    description: 'cratewatch: rebuilds the summary and delivers due alerts',
    memoryMb: 512,
    timeout: Duration.minutes(5),
    objects: { read: ['results', 'state', 'cache'], write: ['results', 'state', 'cache'], delete: ['cache'] },
    publishes: true,
  },
  scan: {
    description: 'cratewatch: scans the whole portfolio in one invocation',
    memoryMb: 1536,
    timeout: Duration.minutes(15),
    objects: { read: ['results', 'state', 'cache'], write: ['results', 'state', 'cache'], delete: ['cache'] },
    publishes: true,
    readsTokens: true,
  },
};

export interface ScanFunctionsProps {
  /** The repository root (entries, lockfile, site/). */
  projectRoot: string;
  results: ResultsBucket;
  topic: ITopic;
  topicKey: IKey;
  siteBucket: IBucket;
  siteUrl: string;
  tokenSecret: ISecret | null;
  logRetention: RetentionDays;
  logLevel: string;
}

export class ScanFunctions extends Construct {
  readonly bundled: Record<BundledHandler, NodejsFunction>;
  readonly buildReport: LambdaFunction;
  /** Events of asynchronous invocations that failed every attempt, kept 14 days. */
  readonly failedInvocations: Queue;

  constructor(scope: Construct, id: string, props: ScanFunctionsProps) {
    super(scope, id);
    this.failedInvocations = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedInvocations).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter destination of the functions and the schedule; an alarm watches it.' });

    const common = {
      CRATEWATCH_BUCKET: props.results.bucket.bucketName,
      CRATEWATCH_CONFIG: props.results.configUri,
      POWERTOOLS_SERVICE_NAME: 'cratewatch',
      POWERTOOLS_LOG_LEVEL: props.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };

    const setUp = (name: string, spec: Omit<FunctionSpec, 'description' | 'memoryMb' | 'timeout'>) => {
      const role = new Role(this, `${pascal(name)}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `cratewatch ${name} function` });
      const logGroup = new LogGroup(this, `${pascal(name)}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
      logGroup.grantWrite(role);
      props.results.grantConfigRead(role);
      props.results.grantObjects(role, spec.objects);
      const environment: Record<string, string> = { ...common };
      if (spec.publishes) {
        // Publishing to a KMS-encrypted topic needs a data key from its key (exact actions, no wildcard).
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.topicKey.keyArn] }));
        environment.CRATEWATCH_TOPIC_ARN = props.topic.topicArn;
      }
      if (spec.readsTokens && props.tokenSecret) {
        props.tokenSecret.grantRead(role);
        environment.CRATEWATCH_TOKEN_SECRET = props.tokenSecret.secretArn;
      }
      return { role, logGroup, environment };
    };

    const bundled = {} as Record<BundledHandler, NodejsFunction>;
    for (const [name, spec] of Object.entries(BUNDLED) as [BundledHandler, FunctionSpec][]) {
      const { role, logGroup, environment } = setUp(name, spec);
      bundled[name] = new NodejsFunction(this, pascal(name), {
        entry: handlerEntry(name, props.projectRoot),
        handler: HANDLER_EXPORT,
        projectRoot: props.projectRoot,
        depsLockFilePath: `${props.projectRoot}/package-lock.json`,
        runtime: Runtime.NODEJS_24_X,
        architecture: Architecture.ARM_64,
        memorySize: spec.memoryMb,
        timeout: spec.timeout,
        description: spec.description,
        bundling: nodejsBundling(),
        environment,
        role,
        logGroup,
        onFailure: new SqsDestination(this.failedInvocations),
      });
    }
    this.bundled = bundled;

    // The site builder ships native bindings (Astro's compiler, rolldown, lightningcss):
    // its architecture is the one they were installed for.
    const siteBuilderArch = siteBuilderPackages(siteRuntimeImports(props.projectRoot), props.projectRoot).architecture;
    const { role, logGroup, environment } = setUp('build-report', { objects: { read: ['results'] } });
    // The sync lists the site, uploads changed files and deletes pages that are gone.
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.siteBucket.bucketArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [props.siteBucket.arnForObjects('*')] }));
    acknowledgeArnWildcard(role, props.siteBucket, '/*', 'The site bucket holds only the built site, whose pages are named by repository, advisory and crate; the builder replaces all of it.');
    this.buildReport = new LambdaFunction(this, 'BuildReport', {
      code: Code.fromAsset(`${props.projectRoot}/site`, {
        // Hashed by what is staged: the handler, the site and the packages all change the code.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: the local step below always succeeds or throws, so no Docker is needed.
          image: DockerImage.fromRegistry('scratch'),
          local: {
            tryBundle(outputDir) {
              stageSiteBuilder(outputDir, props.projectRoot);
              return true;
            },
          },
        },
      }),
      handler: `${BUNDLE_FILE.replace(/\.mjs$/, '')}.${HANDLER_EXPORT}`,
      runtime: Runtime.NODEJS_24_X,
      architecture: siteBuilderArch === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
      memorySize: 1536,
      timeout: Duration.minutes(10),
      // The build copies every stored result, history included, to /tmp: 100 repositories ×
      // 730 days × ~50 KB is 3.6 GB. /tmp beyond 512 MB costs next to nothing.
      ephemeralStorageSize: Size.gibibytes(10),
      description: 'cratewatch: builds the report site from the results and syncs it to the site bucket',
      environment: { ...environment, CRATEWATCH_SITE_BUCKET: props.siteBucket.bucketName, CRATEWATCH_SITE_URL: props.siteUrl },
      role,
      logGroup,
      onFailure: new SqsDestination(this.failedInvocations),
    });
  }

  /** Every function, for alarms. */
  all(): IFunction[] {
    return [...Object.values(this.bundled), this.buildReport];
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}
