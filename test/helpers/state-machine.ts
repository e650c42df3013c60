import { type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';

/** Placeholder values for pseudo parameters when rendering a synthesized definition. */
export const RENDER_ACCOUNT = '123456789012';
export const RENDER_REGION = 'us-east-1';

/**
 * The Amazon States Language definition of a state machine exactly as synthesized: the `DefinitionString` of the
 * `AWS::StepFunctions::StateMachine` resource, with intrinsic functions rendered to stable placeholders
 * (`Fn::GetAtt [X, Arn]` → a plausible ARN naming the logical id, `Ref` → the logical id, pseudo parameters →
 * fixed values).
 *
 * @param logicalIdPrefix picks the state machine when the stack has several
 */
export function synthesizedDefinition(stack: Stack, logicalIdPrefix = ''): Record<string, unknown> {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const matches = Object.entries(template.Resources).filter(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith(logicalIdPrefix),
  );
  if (matches.length !== 1) {
    throw new Error(
      `Expected one state machine with logical id prefix "${logicalIdPrefix}", found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  const [, resource] = matches[0]!;
  const rendered = renderIntrinsics(resource.Properties.DefinitionString, template.Resources);
  if (typeof rendered !== 'string') throw new Error('DefinitionString did not render to a string');
  return JSON.parse(rendered) as Record<string, unknown>;
}

function arnFor(logicalId: string, type: string | undefined): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${RENDER_REGION}:${RENDER_ACCOUNT}:function:${logicalId}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${RENDER_REGION}:${RENDER_ACCOUNT}:${logicalId}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${RENDER_REGION}:${RENDER_ACCOUNT}:${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${logicalId.toLowerCase()}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${RENDER_ACCOUNT}:role/${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${RENDER_REGION}:${RENDER_ACCOUNT}:table/${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${RENDER_REGION}:${RENDER_ACCOUNT}:stateMachine:${logicalId}`;
    default:
      return `arn:aws:unknown:${RENDER_REGION}:${RENDER_ACCOUNT}:${logicalId}`;
  }
}

function renderIntrinsics(value: unknown, resources: Record<string, { Type: string }>): unknown {
  if (Array.isArray(value)) return value.map((v) => renderIntrinsics(v, resources));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(renderIntrinsics(p, resources))).join(sep);
  }
  if ('Ref' in obj) {
    const ref = obj.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return RENDER_REGION;
    if (ref === 'AWS::AccountId') return RENDER_ACCOUNT;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    return ref;
  }
  if ('Fn::GetAtt' in obj) {
    const [id, attribute] = obj['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? arnFor(id, resources[id]?.Type) : `${id}.${attribute}`;
  }
  if ('Fn::FindInMap' in obj) {
    const [map, , key] = obj['Fn::FindInMap'] as [string, unknown, string];
    return `${map}.${key}`;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, renderIntrinsics(v, resources)]));
}

/**
 * Run a state-machine definition locally with aws-local-stepfunctions. Task states are answered by
 * `taskResourceLocalHandlers` keyed by state name (mocked service integrations); Wait states and Retry intervals
 * are overridden to zero unless given.
 *
 * @throws ExecutionFailed with the error name and cause when the execution fails.
 */
export async function runStateMachine(
  definition: Record<string, unknown>,
  input: unknown,
  overrides: NonNullable<RunOptions['overrides']> = {},
  /** The context object (`$$`), e.g. `{ Execution: { Name: 'run-1' } }`. */
  context?: RunOptions['context'],
): Promise<unknown> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
  const waitStates = collectStates(definition, 'Wait');
  const retryStates = collectStates(definition).filter((s) => s.retry);
  const execution = machine.run(input as never, {
    overrides: {
      waitTimeOverrides: Object.fromEntries(waitStates.map((s) => [s.name, 0])),
      retryIntervalOverrides: Object.fromEntries(retryStates.map((s) => [s.name, 0])),
      ...overrides,
    },
    ...(context ? { context } : {}),
  });
  try {
    return await execution.result;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) throw new ExecutionFailed(cause.name, cause.message);
    throw error;
  }
}

/** A failed local execution, with the Step Functions error name and cause (as in `DescribeExecution`). */
export class ExecutionFailed extends Error {
  constructor(
    public readonly error: string,
    public override readonly cause: string,
  ) {
    super(`Execution failed: ${error}: ${cause}`);
    this.name = 'ExecutionFailed';
  }
}

function collectStates(definition: Record<string, unknown>, type?: string): { name: string; retry: boolean }[] {
  const out: { name: string; retry: boolean }[] = [];
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (type === undefined || state.Type === type) out.push({ name, retry: Array.isArray(state.Retry) });
      if (state.Type === 'Parallel') {
        for (const branch of state.Branches as { States: Record<string, Record<string, unknown>> }[])
          visit(branch.States);
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as
        { States: Record<string, Record<string, unknown>> } | undefined;
      if (state.Type === 'Map' && processor) visit(processor.States);
    }
  };
  visit(definition.States as Record<string, Record<string, unknown>>);
  return out;
}
