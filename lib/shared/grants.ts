import { Stack, Token, aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { acknowledge } from './nag';

/** Object-level access to a bucket. */
export type ObjectAccess = 'read' | 'write' | 'readWrite' | 'delete';

const ACTIONS: Record<ObjectAccess, string[]> = {
  read: ['s3:GetObject', 's3:GetObjectVersion'],
  write: ['s3:PutObject'],
  readWrite: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
  delete: ['s3:DeleteObject'],
};

/**
 * Grant exact S3 object actions (no `s3:GetObject*`-style action wildcards) on the keys matching `keyPattern`, plus
 * the KMS actions the bucket's key needs, and acknowledge the one wildcard that remains — the object keys — with its
 * reason. Use it instead of `bucket.grantRead/Write` so cdk-nag findings stay meaningful.
 *
 * @param keyPattern e.g. `incoming/*` (default: every object)
 * @param list also allow `s3:ListBucket` under the pattern's prefix (turns a missing key into 404 instead of 403)
 */
export function grantObjects(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  access: ObjectAccess,
  keyPattern = '*',
  list = false,
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ACTIONS[access],
    resourceArns: [bucket.arnForObjects(keyPattern)],
  });
  if (list) {
    const prefix = keyPattern.replace(/\*.*$/, '');
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined,
    });
  }
  if (bucket.encryptionKey) {
    const keyActions =
      access === 'read'
        ? ['kms:Decrypt']
        : access === 'delete'
          ? []
          : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
    if (keyActions.length > 0) {
      iam.Grant.addToPrincipal({ grantee, actions: keyActions, resourceArns: [bucket.encryptionKey.keyArn] });
    }
  }
  const principal = grantee.grantPrincipal;
  if (isConstruct(principal) && keyPattern.includes('*')) {
    acknowledge(
      principal,
      `Object keys under ${bucket.node.path}/${keyPattern} are created at run time and cannot be listed in advance; the grant is limited to that prefix and to exact object actions.`,
      `AwsSolutions-IAM5[Resource::${nagResourceNameIn(principal, bucket, bucket.bucketArn)}/${keyPattern}]`,
    );
  }
}

/**
 * How cdk-nag names `value` (an attribute of `owner`) in a finding on a resource of `consumer`'s stack: as in
 * {@link nagResourceName} within one stack; across stacks the value arrives as `Fn::ImportValue` of the export CDK
 * creates for it, and cdk-nag names it by the export name.
 */
export function nagResourceNameIn(consumer: IConstruct, owner: IConstruct, value: string): string {
  const producer = Stack.of(owner);
  if (!Token.isUnresolved(value) || Stack.of(consumer) === producer) return nagResourceName(owner, value);
  // exportValue() creates (once) the same output an automatic cross-stack reference creates, and returns its import.
  const imported = producer.resolve(producer.exportValue(value)) as { 'Fn::ImportValue'?: unknown };
  return typeof imported['Fn::ImportValue'] === 'string' ? imported['Fn::ImportValue'] : nagResourceName(owner, value);
}

/**
 * The way cdk-nag names a resource in a finding id: `<LogicalId.Arn>` for a `Fn::GetAtt`, the literal for a plain
 * string, `<LogicalId>` for a `Ref`.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  const resolved: unknown = Stack.of(scope).resolve(value);
  return renderIntrinsic(resolved);
}

function renderIntrinsic(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj['Fn::GetAtt'])) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
    if (Array.isArray(obj['Fn::Join'])) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(renderIntrinsic).join(sep);
    }
  }
  return JSON.stringify(value);
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value;
}
