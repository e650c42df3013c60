import { createHash } from 'node:crypto';
import * as z from '../../shared/zod';

/** Properties of the `Custom::A2iFlowDefinition` resource (CloudFormation passes numbers as strings). */
export const flowDefinitionPropertiesSchema = z.object({
  /** Lower-case prefix of the flow definition name (at most 50 characters). */
  NamePrefix: z.string().check(z.regex(/^[a-z0-9](-*[a-z0-9])*$/), z.maxLength(50)),
  RoleArn: z.string().check(z.minLength(1)),
  HumanTaskUiArn: z.string().check(z.minLength(1)),
  WorkteamArn: z.string().check(z.minLength(1)),
  /** `s3://bucket/prefix/` for the review outputs. */
  OutputPath: z.string().check(z.startsWith('s3://')),
  KmsKeyId: z.optional(z.string()),
  TaskTitle: z.string().check(z.minLength(1), z.maxLength(128)),
  TaskDescription: z.string().check(z.minLength(1), z.maxLength(255)),
  TaskCount: z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(3))),
  TaskAvailabilityLifetimeInSeconds: z.pipe(z.coerce.number(), z.int().check(z.minimum(1), z.maximum(864000))),
  TaskTimeLimitInSeconds: z.pipe(z.coerce.number(), z.int().check(z.minimum(30), z.maximum(28800))),
  TaskKeywords: z.optional(z.array(z.string())),
});

/** Validated properties. */
export type FlowDefinitionProperties = z.infer<typeof flowDefinitionPropertiesSchema>;

/**
 * The flow definition name for a set of properties: `<prefix>-<12 hex of sha256(properties)>`. Flow definitions
 * cannot be updated in place, so any change of properties gives a new name: CloudFormation creates the new one,
 * then deletes the old one (replacement), and a retried create finds the same name.
 */
export function flowDefinitionName(properties: FlowDefinitionProperties): string {
  const { NamePrefix, ...rest } = properties;
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))));
  return `${NamePrefix}-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

/** True when a physical id can be a flow definition name (a failed create leaves a request id instead). */
export function isFlowDefinitionName(value: string | undefined): value is string {
  return value !== undefined && value.length <= 63 && /^[a-z0-9](-*[a-z0-9])*$/.test(value);
}

/** The `CreateFlowDefinition` input for a set of properties. */
export function createFlowDefinitionInput(properties: FlowDefinitionProperties) {
  return {
    FlowDefinitionName: flowDefinitionName(properties),
    RoleArn: properties.RoleArn,
    HumanLoopConfig: {
      WorkteamArn: properties.WorkteamArn,
      HumanTaskUiArn: properties.HumanTaskUiArn,
      TaskTitle: properties.TaskTitle,
      TaskDescription: properties.TaskDescription,
      TaskCount: properties.TaskCount,
      TaskAvailabilityLifetimeInSeconds: properties.TaskAvailabilityLifetimeInSeconds,
      TaskTimeLimitInSeconds: properties.TaskTimeLimitInSeconds,
      ...(properties.TaskKeywords && properties.TaskKeywords.length > 0
        ? { TaskKeywords: properties.TaskKeywords }
        : {}),
    },
    OutputConfig: {
      S3OutputPath: properties.OutputPath,
      ...(properties.KmsKeyId ? { KmsKeyId: properties.KmsKeyId } : {}),
    },
  };
}
