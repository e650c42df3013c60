import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Properties of the `Custom::A2iFlowDefinition` resource (CloudFormation passes numbers as strings). */
export const flowDefinitionPropertiesSchema = z.object({
  /** Lower-case prefix of the flow definition name (at most 50 characters). */
  NamePrefix: z
    .string()
    .regex(/^[a-z0-9](-*[a-z0-9])*$/)
    .max(50),
  RoleArn: z.string().min(1),
  HumanTaskUiArn: z.string().min(1),
  WorkteamArn: z.string().min(1),
  /** `s3://bucket/prefix/` for the review outputs. */
  OutputPath: z.string().startsWith('s3://'),
  KmsKeyId: z.string().optional(),
  TaskTitle: z.string().min(1).max(128),
  TaskDescription: z.string().min(1).max(255),
  TaskCount: z.coerce.number().int().min(1).max(3),
  TaskAvailabilityLifetimeInSeconds: z.coerce.number().int().min(1).max(864000),
  TaskTimeLimitInSeconds: z.coerce.number().int().min(30).max(28800),
  TaskKeywords: z.array(z.string()).optional(),
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
