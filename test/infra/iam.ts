// Reads IAM statements out of a synthesized template in a form a test can compare exactly:
// intrinsics become text (`ResultsBucket.Arn/cache/*`), hash suffixes of logical ids dropped.
import type { Template } from 'aws-cdk-lib/assertions';

/** `ResultsBucket46167C27` → `ResultsBucket`. */
function readableId(id: string): string {
  return id.replace(/[0-9A-F]{8}$/, '');
}

/** An intrinsic-laden resource value as readable text. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(describeValue).join(',');
  const v = value as Record<string, unknown>;
  if ('Fn::GetAtt' in v) {
    const [id, attribute] = v['Fn::GetAtt'] as [string, string];
    return `${readableId(id)}.${attribute}`;
  }
  if ('Ref' in v) return readableId(v.Ref as string);
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(describeValue).join(separator);
  }
  return JSON.stringify(value);
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * What the role whose id starts with `rolePrefix` may do, as sorted `action resource` lines
 * (`s3:GetObject ResultsBucket.Arn/cache/*`): one line per pair, however statements are merged.
 */
export function rolePermissions(template: Template, rolePrefix: string): string[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    list(p.Properties.Roles as unknown[]).some((r) => readableId((r as { Ref: string }).Ref) === rolePrefix),
  );
  if (policies.length === 0) throw new Error(`no policy is attached to a role named ${rolePrefix}…`);
  const lines = policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => list(s.Action as string | string[]).flatMap((action) => list(s.Resource).map((r) => `${action} ${describeValue(r)}`)));
  return [...new Set(lines)].sort();
}

/** Every statement of every identity policy that grants on Resource "*", with the policy it is in. */
export function starStatements(template: Template): { policy: string; actions: string[] }[] {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
    (p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((s) => list(s.Resource).includes('*'))
      .map((s) => ({ policy: readableId(id), actions: list(s.Action as string | string[]).sort() })),
  );
}
