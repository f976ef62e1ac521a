// The alerts topic: new critical findings (from the finish step) and the stack's own alarms
// go to the people in [alerts] recipients. KMS-encrypted, and publishing only over TLS.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertsTopicProps {
  /** Email addresses; each gets a subscription to confirm from its inbox. */
  recipients: readonly string[];
}

export class AlertsTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    // Deleted with the stack (after KMS's 7-day waiting period): it only protects messages in
    // flight on the topic, and a retained key would go on costing $1 a month.
    this.key = new Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'Encrypts the cratewatch alerts topic',
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the topic themselves, so they need the key too.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { displayName: 'cratewatch', masterKey: this.key, enforceSSL: true });
    for (const address of props.recipients) this.topic.addSubscription(new EmailSubscription(address));
  }
}
