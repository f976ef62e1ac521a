// cdk-nag v3 names each wildcard finding after the resource it sits on; these build those
// names so an acknowledgement says exactly which wildcard it accepts, and why.
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `AwsSolutions-IAM5[Resource::<LogicalId.Arn>suffix]`: a wildcard under one resource's ARN. */
export function arnWildcardFinding(resource: IConstruct, suffix: string): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(cfn)}.Arn>${suffix}]`;
}

/** Acknowledges, on `scope` (a role, usually), a wildcard under `resource`'s ARN. */
export function acknowledgeArnWildcard(scope: IConstruct, resource: IConstruct, suffix: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: arnWildcardFinding(resource, suffix), reason });
}
