// Alerts through an SNS topic (email subscribers on AWS): one Publish per composed message,
// in order, so a failure can say exactly which alerts SNS already accepted.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { composeAlertMessages } from '../core/alert-message.ts';
import { AlertDeliveryError, errorMessage } from '../core/errors.ts';
import type { Alert, Alerter } from '../core/ports.ts';

export interface SnsAlerterOptions {
  client: SNSClient;
  topicArn: string;
  /** The report site's public address (`[site] url`), for links to each finding; null when none. */
  siteUrl: string | null;
  /** The most bytes one message may take; SNS's limit less a margin by default. */
  maxBytes?: number;
  /** The configuration file the scan read (`s3://bucket/key`), named where a message says what to change. */
  configFile?: string;
}

/**
 * Publishes alerts to an SNS topic with the attributes `severity` (String: the message's
 * highest) and `repositories` (String.Array), which subscription filter policies can match.
 * It does not retry (the pipeline does, with the alerts not yet delivered); the client's own
 * retries of throttling and 5xx still apply.
 */
export class SnsAlerter implements Alerter {
  private readonly options: SnsAlerterOptions;

  constructor(options: SnsAlerterOptions) {
    this.options = options;
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    const { client, topicArn, siteUrl, maxBytes, configFile } = this.options;
    const messages = composeAlertMessages(alerts, { siteUrl, ...(maxBytes === undefined ? {} : { maxBytes }), ...(configFile === undefined ? {} : { configFile }) });
    const delivered: Alert[] = [];
    for (const [i, message] of messages.entries()) {
      try {
        await client.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: message.subject,
            Message: message.body,
            MessageAttributes: {
              severity: { DataType: 'String', StringValue: message.severity },
              repositories: { DataType: 'String.Array', StringValue: JSON.stringify(message.repositories) },
            },
          }),
        );
      } catch (error) {
        const accepted = delivered.length === 0 ? 'none was accepted' : `the ${delivered.length} in the earlier messages were accepted and are not sent again`;
        throw new AlertDeliveryError(
          `SNS topic ${topicArn}: publishing alert message ${i + 1} of ${messages.length} failed (${describeAwsError(error)}); of ${alerts.length} alert${alerts.length === 1 ? '' : 's'}, ${accepted}. ` +
            'The scan tries the rest again; if it keeps failing, check that the topic exists in this account and region and that the role may sns:Publish to it (and use its KMS key, if encrypted).',
          delivered,
          { cause: error },
        );
      }
      delivered.push(...message.alerts);
    }
  }
}

/** `ThrottledException (HTTP 429): Rate exceeded`, or the message of an error that never reached SNS. */
function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${errorMessage(error)}`;
}
