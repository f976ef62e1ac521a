// The synthesized stack, resource by resource: the properties that make it private,
// encrypted and least-privilege, and the values that come from cratewatch.toml.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS } from '../../infra/cratewatch-stack.ts';
import { describeValue, rolePermissions, starStatements } from './iam.ts';
import { CUSTOM_DOMAIN_CONFIG, logicalId, synthStack, TEST_CONFIG } from './stack-fixture.ts';

let template: Template;
const id = (type: string, prefix: string) => logicalId(template, type, prefix);
const ref = (type: string, prefix: string) => ({ Ref: id(type, prefix) });
const arnOf = (type: string, prefix: string) => ({ 'Fn::GetAtt': [id(type, prefix), 'Arn'] });
const BUCKET = 'AWS::S3::Bucket';
const FUNCTION = 'AWS::Lambda::Function';

beforeAll(() => {
  ({ template } = synthStack({ tokenSecret: { kind: 'create' } }));
});

describe('results bucket', () => {
  it('is versioned, encrypted, private, and logs access to the access-log bucket', () => {
    template.hasResourceProperties(BUCKET, {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: ref(BUCKET, 'AccessLogsBucket'), LogFilePrefix: 's3/results/' },
    });
    expect(template.findResources(BUCKET)[id(BUCKET, 'ResultsBucket')]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it("moves each repository's history to Intelligent-Tiering after history_transition_days and expires it after history_expiration_days", () => {
    const rules = template.findResources(BUCKET)[id(BUCKET, 'ResultsBucket')]!.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    const history = rules.filter((r) => String(r.Id).startsWith('history-'));
    expect(history).toEqual(
      ['ripgrep', 'inkscape-tools', 'lonely-lock'].map((name) => ({
        Id: `history-${name}`,
        Prefix: `results/${name}/history/`,
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 45 }],
        ExpirationInDays: 400,
      })),
    );
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'old-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }));
  });

  it('refuses every request that is not over TLS, in all three buckets', () => {
    for (const bucket of ['ResultsBucket', 'SiteBucket', 'AccessLogsBucket']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(BUCKET, bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('uploads cratewatch.toml to config/cratewatch.toml before any function exists', () => {
    const upload = id('Custom::AWS', 'ResultsConfigUpload');
    const create = JSON.parse(describeValue(template.findResources('Custom::AWS')[upload]!.Properties.Create)) as { action: string; parameters: Record<string, string> };
    expect(create.action).toBe('putObject');
    expect(create.parameters).toEqual({ Bucket: 'ResultsBucket', Key: 'config/cratewatch.toml', Body: TEST_CONFIG, ContentType: 'application/toml; charset=utf-8' });
    for (const fn of Object.values(template.findResources(FUNCTION)).filter((f) => f.Properties.Environment?.Variables?.CRATEWATCH_CONFIG)) {
      expect(fn.DependsOn).toContain(upload);
    }
  });
});

describe('access-log bucket', () => {
  it('takes S3 access logs of exactly the two buckets under their prefixes, keeps CloudFront ACL delivery possible, and expires logs after 90 days', () => {
    expect(template.findResources(BUCKET)[id(BUCKET, 'AccessLogsBucket')]!.Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'expire-logs', ExpirationInDays: 90, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === id(BUCKET, 'AccessLogsBucket'))!;
    const statements = policy.Properties.PolicyDocument.Statement as { Effect: string; Principal: { Service?: string }; Action: string; Resource: unknown; Condition: { ArnLike?: Record<string, unknown> } }[];
    const writers = statements
      .filter((st) => st.Effect === 'Allow')
      .map((st) => [st.Principal.Service, st.Action, describeValue(st.Resource), describeValue(st.Condition.ArnLike?.['aws:SourceArn'])]);
    expect(writers).toEqual([
      ['logging.s3.amazonaws.com', 's3:PutObject', 'AccessLogsBucket.Arn/s3/results/*', 'ResultsBucket.Arn'],
      ['logging.s3.amazonaws.com', 's3:PutObject', 'AccessLogsBucket.Arn/s3/site/*', 'SiteBucket.Arn'],
    ]);
  });
});

describe('report site', () => {
  it('keeps the site bucket private and lets only this distribution read it (Origin Access Control)', () => {
    template.hasResourceProperties(BUCKET, {
      LoggingConfiguration: { LogFilePrefix: 's3/site/' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(BUCKET, 'SiteBucket'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([ref('AWS::CloudFront::Distribution', 'SiteDistribution')])]) }) } },
          }),
        ]),
      },
    });
  });

  it('serves over HTTPS only, through the viewer-request function and the security headers, with the 404 page for missing keys', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [id('AWS::CloudFront::Function', 'SiteViewerRequest'), 'FunctionARN'] } }],
          ResponseHeadersPolicyId: ref('AWS::CloudFront::ResponseHeadersPolicy', 'SiteHeaders'),
        }),
        CustomErrorResponses: [403, 404].map((code) => ({ ErrorCode: code, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 60 })),
        Logging: { Bucket: { 'Fn::GetAtt': [id(BUCKET, 'AccessLogsBucket'), 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
        Aliases: Match.absent(),
      }),
    });
  });

  it('sends a CSP that allows the inline scripts by hash and nothing from elsewhere, HSTS, nosniff, DENY and same-origin referrers', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("^default-src 'none'; script-src 'self'( 'sha256-[A-Za-z0-9+/]{43}=')+; style-src 'self'; img-src 'self';"), Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: false, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'same-origin', Override: true },
        },
      }),
    });
  });

  it("puts the configuration's allow-list into the viewer-request function (cloudfront-js-2.0)", () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: 'cratewatch: IP allow-list, directory index' },
      FunctionCode: Match.stringLikeRegexp(String.raw`var ALLOWED_CIDRS = \["203\.0\.113\.0/24","2001:db8::/32"\];`),
    });
  });

  it('serves the custom domain with its certificate and TLS 1.2 when [site] names them', () => {
    const custom = synthStack({ configText: CUSTOM_DOMAIN_CONFIG }).template;
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['deps.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    custom.hasOutput(OUTPUTS.siteUrl, { Value: 'https://deps.example.com' });
  });
});

describe('alerts topic', () => {
  it('is encrypted with a rotating KMS key, refuses publishing without TLS, and subscribes each recipient by email', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 7 });
    expect(template.findResources('AWS::KMS::Key')[id('AWS::KMS::Key', 'AlertsKey')]).toMatchObject({ DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf('AWS::KMS::Key', 'AlertsKey') });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => [s.Properties.Protocol, s.Properties.Endpoint]);
    expect(subscriptions).toEqual([
      ['email', 'security@example.com'],
      ['email', 'oncall@example.com'],
    ]);
  });

  it('lets CloudWatch alarms of this account use the key', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
        ]),
      },
    });
  });
});

describe('functions', () => {
  const sizes = [
    ['FunctionsPrepare', 1024, 600],
    ['FunctionsScanRepo', 512, 300],
    ['FunctionsFinish', 512, 300],
    ['FunctionsScan', 1536, 900],
  ] as const;

  it.each(sizes)('runs %s on Node 24, arm64, ESM index.handler with %i MB and %i s', (name, memory, timeout) => {
    expect(template.findResources(FUNCTION)[id(FUNCTION, name)]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      LoggingConfig: { LogGroup: ref('AWS::Logs::LogGroup', `${name}Logs`) },
    });
  });

  it('runs the site builder on Node 24 with 1536 MB, 10 minutes and 10 GiB of /tmp, on the architecture of its installed native bindings', () => {
    expect(template.findResources(FUNCTION)[id(FUNCTION, 'FunctionsBuildReport')]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: [process.arch === 'arm64' ? 'arm64' : 'x86_64'],
      Handler: 'index.handler',
      MemorySize: 1536,
      Timeout: 600,
      EphemeralStorage: { Size: 10240 },
    });
  });

  it('tells every function where the bucket and its cratewatch.toml are, and only the senders where the topic is', () => {
    const env = (name: string) => template.findResources(FUNCTION)[id(FUNCTION, name)]!.Properties.Environment.Variables as Record<string, unknown>;
    const common = {
      CRATEWATCH_BUCKET: ref(BUCKET, 'ResultsBucket'),
      CRATEWATCH_CONFIG: { 'Fn::Join': ['', ['s3://', ref(BUCKET, 'ResultsBucket'), '/config/cratewatch.toml']] },
      POWERTOOLS_SERVICE_NAME: 'cratewatch',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const topic = ref('AWS::SNS::Topic', 'AlertsTopic');
    const secret = ref('AWS::SecretsManager::Secret', 'TokenSecret');
    expect(env('FunctionsPrepare')).toEqual(common);
    expect(env('FunctionsScanRepo')).toEqual({ ...common, CRATEWATCH_TOKEN_SECRET: secret });
    expect(env('FunctionsFinish')).toEqual({ ...common, CRATEWATCH_TOPIC_ARN: topic });
    expect(env('FunctionsScan')).toEqual({ ...common, CRATEWATCH_TOPIC_ARN: topic, CRATEWATCH_TOKEN_SECRET: secret });
    expect(env('FunctionsBuildReport')).toEqual({
      ...common,
      CRATEWATCH_SITE_BUCKET: ref(BUCKET, 'SiteBucket'),
      CRATEWATCH_SITE_URL: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('AWS::CloudFront::Distribution', 'SiteDistribution'), 'DomainName'] }]] },
    });
  });

  it('sends failed asynchronous invocations of every function to the encrypted, TLS-only failed-invocations queue', () => {
    const queue = arnOf('AWS::SQS::Queue', 'FunctionsFailedInvocations');
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(configs.map((c) => describeValue(c.Properties.FunctionName)).sort()).toEqual(['FunctionsBuildReport', 'FunctionsFinish', 'FunctionsPrepare', 'FunctionsScan', 'FunctionsScanRepo']);
    for (const c of configs) expect(c.Properties.DestinationConfig).toEqual({ OnFailure: { Destination: queue } });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it("keeps every function's logs for the stage's retention (90 days)", () => {
    for (const name of ['Prepare', 'ScanRepo', 'Finish', 'Scan', 'BuildReport']) {
      expect(template.findResources('AWS::Logs::LogGroup')[id('AWS::Logs::LogGroup', `Functions${name}Logs`)]!.Properties).toEqual({ RetentionInDays: 90 });
    }
  });
});

describe('permissions', () => {
  const logs = (name: string) => [`logs:CreateLogStream Functions${name}Logs.Arn`, `logs:PutLogEvents Functions${name}Logs.Arn`];
  const failedQueue = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((a) => `${a} FunctionsFailedInvocations.Arn`);
  const objects = (action: string, ...keys: string[]) => keys.map((k) => `${action} ResultsBucket.Arn/${k}`);
  const common = (name: string) => [...logs(name), ...objects('s3:GetObject', 'config/cratewatch.toml'), 's3:ListBucket ResultsBucket.Arn', ...failedQueue];
  const secret = ['secretsmanager:DescribeSecret TokenSecret', 'secretsmanager:GetSecretValue TokenSecret'];
  const publish = ['kms:Decrypt AlertsKey.Arn', 'kms:GenerateDataKey AlertsKey.Arn', 'sns:Publish AlertsTopic'];
  const sorted = (lines: string[]) => [...lines].sort();

  it('lets prepare read results, and read and write the ledger (legacy alerts carried over) and the caches, deleting only cache deltas', () => {
    expect(rolePermissions(template, 'FunctionsPrepareRole')).toEqual(
      sorted([...common('Prepare'), ...objects('s3:GetObject', 'cache/*', 'results/*', 'state/*'), ...objects('s3:PutObject', 'cache/*', 'state/*'), ...objects('s3:DeleteObject', 'cache/*')]),
    );
  });

  it('lets scan-repo read and write results, the ledger and the caches, and read the tokens secret', () => {
    expect(rolePermissions(template, 'FunctionsScanRepoRole')).toEqual(
      sorted([...common('ScanRepo'), ...objects('s3:GetObject', 'cache/*', 'results/*', 'state/*'), ...objects('s3:PutObject', 'cache/*', 'results/*', 'state/*'), ...secret]),
    );
  });

  it('lets finish write results, the ledger and the caches, delete cache deltas, and publish to the one topic', () => {
    expect(rolePermissions(template, 'FunctionsFinishRole')).toEqual(
      sorted([
        ...common('Finish'),
        ...objects('s3:GetObject', 'cache/*', 'results/*', 'state/*'),
        ...objects('s3:PutObject', 'cache/*', 'results/*', 'state/*'),
        ...objects('s3:DeleteObject', 'cache/*'),
        ...publish,
      ]),
    );
  });

  it('lets the whole-portfolio scan do what prepare, scan-repo and finish do together', () => {
    expect(rolePermissions(template, 'FunctionsScanRole')).toEqual(
      sorted([
        ...common('Scan'),
        ...objects('s3:GetObject', 'cache/*', 'results/*', 'state/*'),
        ...objects('s3:PutObject', 'cache/*', 'results/*', 'state/*'),
        ...objects('s3:DeleteObject', 'cache/*'),
        ...publish,
        ...secret,
      ]),
    );
  });

  it('lets build-report read results and replace the site bucket, nothing else', () => {
    expect(rolePermissions(template, 'FunctionsBuildReportRole')).toEqual(
      sorted([...common('BuildReport'), ...objects('s3:GetObject', 'results/*'), 's3:ListBucket SiteBucket.Arn', 's3:PutObject SiteBucket.Arn/*', 's3:DeleteObject SiteBucket.Arn/*']),
    );
  });

  it('lets the state machine invoke exactly its four functions, and the schedule start exactly the state machine', () => {
    const invoke = rolePermissions(template, 'WorkflowStateMachineRole').filter((line) => line.startsWith('lambda:'));
    expect(invoke).toEqual(sorted(['FunctionsBuildReport', 'FunctionsFinish', 'FunctionsPrepare', 'FunctionsScanRepo'].flatMap((f) => [`lambda:InvokeFunction ${f}.Arn`, `lambda:InvokeFunction ${f}.Arn:*`])));
    expect(rolePermissions(template, 'SchedulerRoleForTarget9b648f')).toEqual(['sqs:SendMessage FunctionsFailedInvocations.Arn', 'states:StartExecution WorkflowStateMachine']);
  });

  it('grants on Resource "*" only where AWS accepts nothing else: X-Ray tracing and log delivery of the state machine', () => {
    expect(starStatements(template)).toEqual([
      {
        policy: 'WorkflowStateMachineRoleDefaultPolicy',
        actions: [
          'logs:CreateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:DescribeLogGroups',
          'logs:DescribeResourcePolicies',
          'logs:GetLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:UpdateLogDelivery',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ],
      },
    ]);
  });

  it('reads no secret and sets no CRATEWATCH_TOKEN_SECRET when none is configured', () => {
    const plain = synthStack().template;
    expect(plain.findResources('AWS::SecretsManager::Secret')).toEqual({});
    expect(rolePermissions(plain, 'FunctionsScanRepoRole').filter((line) => line.startsWith('secretsmanager:'))).toEqual([]);
    const scanRepo = Object.entries(plain.findResources(FUNCTION)).find(([key]) => key.startsWith('FunctionsScanRepo'))![1];
    expect(Object.keys(scanRepo.Properties.Environment.Variables as object)).not.toContain('CRATEWATCH_TOKEN_SECRET');
  });

  it('reads an existing secret by name when tokenSecretName is given', () => {
    const named = synthStack({ tokenSecret: { kind: 'existing', name: 'team/cratewatch-tokens' } }).template;
    expect(named.findResources('AWS::SecretsManager::Secret')).toEqual({});
    // Secrets Manager adds six random characters to a secret's name in its ARN.
    const arn = 'arn:AWS::Partition:secretsmanager:AWS::Region:AWS::AccountId:secret:team/cratewatch-tokens-??????';
    expect(rolePermissions(named, 'FunctionsScanRepoRole').filter((line) => line.startsWith('secretsmanager:'))).toEqual([`secretsmanager:DescribeSecret ${arn}`, `secretsmanager:GetSecretValue ${arn}`]);
  });
});

describe('schedule and state machine', () => {
  it('starts the state machine on the configured cron expression in the configured time zone, retrying into the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: ref('AWS::StepFunctions::StateMachine', 'WorkflowStateMachine'),
        Input: '{}',
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: arnOf('AWS::SQS::Queue', 'FunctionsFailedInvocations') },
        RoleArn: Match.anyValue(),
      },
    });
  });

  it('logs every event with execution data, traces with X-Ray, and gives a run two hours', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf('AWS::Logs::LogGroup', 'WorkflowLogs') } }] },
    });
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);

  it('alarm to the alerts topic on any error of each of the five functions', () => {
    const errors = alarms().filter((a) => a.MetricName === 'Errors');
    expect(errors.map((a) => describeValue((a.Dimensions as { Value: unknown }[])[0]!.Value)).sort()).toEqual(['FunctionsBuildReport', 'FunctionsFinish', 'FunctionsPrepare', 'FunctionsScan', 'FunctionsScanRepo']);
    for (const a of errors) {
      expect(a).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Period: 300, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [ref('AWS::SNS::Topic', 'AlertsTopic')] });
    }
  });

  it('alarm on a failed or timed-out run and on failed asynchronous events', () => {
    const byMetric = Object.fromEntries(alarms().map((a) => [a.MetricName, a]));
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(byMetric[metric]).toMatchObject({ Namespace: 'AWS/States', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [ref('AWS::SNS::Topic', 'AlertsTopic')] });
    }
    expect(byMetric.ApproximateNumberOfMessagesVisible).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1, AlarmActions: [ref('AWS::SNS::Topic', 'AlertsTopic')] });
  });

  it('alarm when no run succeeded for 26 hours of a daily schedule, counting hours without data as failures', () => {
    expect(alarms().find((a) => a.MetricName === 'ExecutionsSucceeded')).toMatchObject({
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [ref('AWS::SNS::Topic', 'AlertsTopic')],
    });
  });
});

describe('outputs', () => {
  it('names what cratewatch invoke --stack reads: the site URL, topic, state machine, bucket and every function', () => {
    template.hasOutput(OUTPUTS.siteUrl, { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id('AWS::CloudFront::Distribution', 'SiteDistribution'), 'DomainName'] }]] } });
    template.hasOutput(OUTPUTS.distributionDomain, { Value: { 'Fn::GetAtt': [id('AWS::CloudFront::Distribution', 'SiteDistribution'), 'DomainName'] } });
    template.hasOutput(OUTPUTS.topicArn, { Value: ref('AWS::SNS::Topic', 'AlertsTopic') });
    template.hasOutput(OUTPUTS.stateMachineArn, { Value: ref('AWS::StepFunctions::StateMachine', 'WorkflowStateMachine') });
    template.hasOutput(OUTPUTS.resultsBucket, { Value: ref(BUCKET, 'ResultsBucket') });
    template.hasOutput(OUTPUTS.scanRepoFunction, { Value: ref(FUNCTION, 'FunctionsScanRepo') });
    template.hasOutput(OUTPUTS.scanFunction, { Value: ref(FUNCTION, 'FunctionsScan') });
    template.hasOutput(OUTPUTS.prepareFunction, { Value: ref(FUNCTION, 'FunctionsPrepare') });
    template.hasOutput(OUTPUTS.finishFunction, { Value: ref(FUNCTION, 'FunctionsFinish') });
    template.hasOutput(OUTPUTS.buildReportFunction, { Value: ref(FUNCTION, 'FunctionsBuildReport') });
    template.hasOutput(OUTPUTS.tokenSecretArn, { Value: ref('AWS::SecretsManager::Secret', 'TokenSecret') });
  });
});
