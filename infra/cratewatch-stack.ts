// The whole cratewatch deployment in one stack: results bucket, report site, alerts topic,
// the functions, the scheduled state machine and the alarms, from one validated cratewatch.toml.
import { join } from 'node:path';
import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Config } from '../functions/app/config.ts';
import { PROJECT_ROOT } from './bundling.ts';
import { AlertsTopic } from './constructs/alerts-topic.ts';
import { ReportSite } from './constructs/report-site.ts';
import { AccessLogsBucket, ResultsBucket } from './constructs/results-bucket.ts';
import { ScanAlarms } from './constructs/scan-alarms.ts';
import { ScanFunctions } from './constructs/scan-functions.ts';
import { ScanWorkflow } from './constructs/scan-workflow.ts';

/** Where the GitHub/GitLab tokens come from: nowhere, an existing secret, or one the stack creates for you to fill. */
export type TokenSecretSource = { kind: 'none' } | { kind: 'existing'; name: string } | { kind: 'create' };

export interface CratewatchStackProps extends StackProps {
  /** The validated configuration (infra/stack-config.ts). */
  config: Config;
  /** Its text, uploaded to the results bucket as config/cratewatch.toml. */
  configText: string;
  tokenSecret?: TokenSecretSource;
  logRetention?: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of the functions. */
  logLevel?: string;
  /** The repository root: handler entries, package-lock.json, site/. */
  projectRoot?: string;
}

/** The output names `cratewatch invoke --stack` reads. */
export const OUTPUTS = {
  siteUrl: 'SiteUrl',
  distributionDomain: 'DistributionDomainName',
  topicArn: 'AlertsTopicArn',
  stateMachineArn: 'StateMachineArn',
  resultsBucket: 'ResultsBucketName',
  siteBucket: 'SiteBucketName',
  prepareFunction: 'PrepareFunctionName',
  scanRepoFunction: 'ScanRepoFunctionName',
  finishFunction: 'FinishFunctionName',
  scanFunction: 'ScanFunctionName',
  buildReportFunction: 'BuildReportFunctionName',
  tokenSecretArn: 'TokenSecretArn',
} as const;

export class CratewatchStack extends Stack {
  readonly results: ResultsBucket;
  readonly site: ReportSite;
  readonly alerts: AlertsTopic;
  readonly functions: ScanFunctions;
  readonly workflow: ScanWorkflow;
  readonly tokenSecret: ISecret | null;

  constructor(scope: Construct, id: string, props: CratewatchStackProps) {
    super(scope, id, { description: 'cratewatch: scheduled RustSec and crates.io audit of Rust repositories', ...props });
    const { config } = props;
    const root = props.projectRoot ?? PROJECT_ROOT;
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    const logs = new AccessLogsBucket(this, 'AccessLogs');
    this.results = new ResultsBucket(this, 'Results', {
      logsBucket: logs.bucket,
      repositories: config.repositories.map((r) => r.name),
      historyTransitionDays: config.aws.historyTransitionDays,
      historyExpirationDays: config.aws.historyExpirationDays,
      configText: props.configText,
    });
    this.site = new ReportSite(this, 'Site', {
      siteDir: join(root, 'site'),
      logsBucket: logs.bucket,
      domain: config.site.domain,
      certificateArn: config.site.certificateArn,
      allowCidrs: config.site.allowCidrs,
    });
    this.alerts = new AlertsTopic(this, 'Alerts', { recipients: config.alerts.recipients });
    this.tokenSecret = this.createTokenSecret(props.tokenSecret ?? { kind: 'none' });

    this.functions = new ScanFunctions(this, 'Functions', {
      projectRoot: root,
      results: this.results,
      topic: this.alerts.topic,
      topicKey: this.alerts.key,
      siteBucket: this.site.bucket,
      // [site] url wins: it is what people are told to open (a proxy, a vanity domain).
      siteUrl: config.site.url ?? this.site.url,
      tokenSecret: this.tokenSecret,
      logRetention,
      logLevel: props.logLevel ?? 'INFO',
    });
    // The functions read config/cratewatch.toml at start-up: it must be there first.
    for (const fn of this.functions.all()) fn.node.addDependency(this.results.configUpload);

    const { prepare, finish } = this.functions.bundled;
    this.workflow = new ScanWorkflow(this, 'Workflow', {
      prepare,
      scanRepo: this.functions.bundled['scan-repo'],
      finish,
      buildReport: this.functions.buildReport,
      maxConcurrency: config.concurrency,
      schedule: config.schedule,
      deadLetterQueue: this.functions.failedInvocations,
      logRetention,
    });
    new ScanAlarms(this, 'Alarms', {
      topic: this.alerts.topic,
      functions: this.functions.all(),
      stateMachine: this.workflow.stateMachine,
      failedInvocations: this.functions.failedInvocations,
      scheduleExpression: config.schedule.expression,
    });

    const output = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    output(OUTPUTS.siteUrl, config.site.url ?? this.site.url, 'The report site');
    output(OUTPUTS.distributionDomain, this.site.distribution.distributionDomainName, "CloudFront's name for the site: the CNAME target of a custom domain");
    output(OUTPUTS.topicArn, this.alerts.topic.topicArn, 'Alerts and alarms are published here');
    output(OUTPUTS.stateMachineArn, this.workflow.stateMachine.stateMachineArn, 'The scheduled scan; cratewatch invoke starts it');
    output(OUTPUTS.resultsBucket, this.results.bucket.bucketName, 'Results, history, the alert ledger and config/cratewatch.toml');
    output(OUTPUTS.siteBucket, this.site.bucket.bucketName, 'The built report site');
    output(OUTPUTS.prepareFunction, prepare.functionName, 'prepare: refreshes the caches, lists the repositories');
    output(OUTPUTS.scanRepoFunction, this.functions.bundled['scan-repo'].functionName, 'scan-repo: one repository (cratewatch invoke --repo)');
    output(OUTPUTS.finishFunction, finish.functionName, 'finish: summary and alerts');
    output(OUTPUTS.scanFunction, this.functions.bundled.scan.functionName, 'scan: the whole portfolio in one invocation');
    output(OUTPUTS.buildReportFunction, this.functions.buildReport.functionName, 'build-report: the report site');
    if (this.tokenSecret) output(OUTPUTS.tokenSecretArn, this.tokenSecret.secretArn, 'GitHub/GitLab tokens: {"github": "…", "gitlab": "…"}');
  }

  private createTokenSecret(source: TokenSecretSource): ISecret | null {
    if (source.kind === 'none') return null;
    if (source.kind === 'existing') return Secret.fromSecretNameV2(this, 'TokenSecret', source.name);
    // Created empty ({} = no tokens); put the tokens in with `aws secretsmanager put-secret-value`.
    const secret = new Secret(this, 'TokenSecret', {
      description: 'cratewatch: GitHub/GitLab tokens as {"github": "…", "gitlab": "…"}',
      secretObjectValue: {},
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'The secret holds API tokens issued by GitHub/GitLab, which Secrets Manager cannot rotate; rotate them there.' });
    return secret;
  }
}
