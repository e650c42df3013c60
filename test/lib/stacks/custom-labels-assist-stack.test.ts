import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CUSTOM_LABELS_ASSIST_METRICS, CLA_STATES as S } from '../../../lambdas/custom-labels-assist/contract';
import { RUNBOOK } from '../../../lib/shared/runbook';
import { realApp, stackOf, templateOf } from '../../helpers/app';
import { synthesizedDefinition } from '../../helpers/state-machine';

// asl-validator ships no types: validate(definition, options) → { isValid, errors }.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errors: unknown[] };

interface State {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}
type Statement = { Action: string | string[]; Resource: unknown };

const OTHERS = ['example', 'streamingAnomaly', 'gitlabMlops', 'activeLearning', 'labelingChain', 'tripOutliers'];
const only = (context: Record<string, string> = {}) =>
  realApp({ ...Object.fromEntries(OTHERS.map((s) => [`${s}.enabled`, 'false'])), ...context });

describe('Custom Labels assist stack (template)', () => {
  const stack = stackOf(only(), 'Mlw-CustomLabelsAssist');
  const template = templateOf(stack);
  const definition = synthesizedDefinition(stack);
  const states = definition.States as Record<string, State>;

  it('creates a retained Custom Labels project; an existing project ARN creates none', () => {
    template.hasResource('AWS::Rekognition::Project', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const existing = templateOf(
      stackOf(
        only({
          'customLabelsAssist.projectArn': 'arn:aws:rekognition:us-east-1:123456789012:project/roofs/1700000000000',
        }),
        'Mlw-CustomLabelsAssist',
      ),
    );
    existing.resourceCountIs('AWS::Rekognition::Project', 0);
  });

  it('synthesizes a valid JSONPath definition, traced and logged, that times out after the review wait', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    const result = validateAsl(definition, { checkArn: false, checkPaths: true });
    expect(result.errors).toEqual([]);
    expect(definition.TimeoutSeconds).toBe((7 + 3) * 86_400);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    });
    // Inline Maps (the local runner runs them) and SDK integrations, no Lambda for what the SDK does.
    const json = JSON.stringify(definition);
    expect(json).not.toContain('DISTRIBUTED');
    for (const action of ['startProjectVersion', 'detectCustomLabels', 'createProjectVersion']) {
      expect(json).toContain(`:states:::aws-sdk:rekognition:${action}`);
    }
  });

  it('stops the model on every path: from the usage record to the stop, every step that can fail is caught into the clean-up, and no path ends first', () => {
    const cleanUp: string = S.RELEASE_MODEL_ON_FAILURE;
    const seen = new Set<string>();
    const queue = [S.RECORD_MODEL_USE as string];
    const unguarded: string[] = [];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name) || name === cleanUp || name === S.RELEASE_MODEL) continue;
      seen.add(name);
      const state = states[name]!;
      expect(state).toBeDefined();
      if (['Fail', 'Succeed'].includes(state.Type) || (state.Type !== 'Choice' && !state.Next)) {
        unguarded.push(`${name} ends the run before the model is stopped`);
      }
      if (['Task', 'Map', 'Parallel'].includes(state.Type)) {
        const all = state.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
        if (all?.Next !== cleanUp) unguarded.push(`${name} has no States.ALL catch into ${cleanUp}`);
      }
      queue.push(
        ...[state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)].filter(
          (n): n is string => n !== undefined,
        ),
      );
    }
    expect(unguarded).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining([S.START_MODEL, S.DESCRIBE_MODEL, 'DetectPages']));
    // The clean-up is the ReleaseModel function (the watchdog's rule); its own failure still fails the run.
    expect(states[cleanUp]).toMatchObject({ Type: 'Task', Next: 'ExplainFailure' });
    expect(states[cleanUp]!.Catch![0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'ExplainFailure' });
    expect(states[S.RELEASE_MODEL]).toMatchObject({ Type: 'Task' });
  });

  it('stops models of aborted and timed-out runs and idle models through the watchdog, on a schedule and on execution events', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ humanLoopName: [{ prefix: 'cla-' }] }) }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CLA_MAX_IDLE_MINUTES: '60', CLA_CHECK_INTERVAL_MINUTES: '15' }) },
    });
  });

  it('limits every Rekognition permission to the project and its versions and datasets (DescribeProjects has no resource type)', () => {
    const json = template.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const statements = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => a.startsWith('rekognition:')));
    expect(statements.length).toBeGreaterThan(2);
    // The one action without resource-level permission (Service Authorization Reference) is alone on "*", read-only.
    const unscoped = statements.filter((s) => [s.Resource].flat().includes('*'));
    expect(unscoped.map((s) => s.Action)).toEqual(['rekognition:DescribeProjects']);
    for (const s of statements.filter((st) => !unscoped.includes(st))) {
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      expect(JSON.stringify(resources)).toMatch(/project|AssistProject/);
    }
  });

  it('alarms on running inference hours and on a model the watchdog had to stop, with runbook links', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 6,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: CUSTOM_LABELS_ASSIST_METRICS.INFERENCE_UNIT_HOURS }),
            Period: 6 * 3600,
          }),
        }),
      ]),
      AlarmDescription: Match.stringLikeRegexp(`runbook\\.md#${RUNBOOK.MODEL_INFERENCE_HOURS}$`),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp(`runbook\\.md#${RUNBOOK.MODEL_LEFT_RUNNING}$`),
    });
  });

  it('warns when synthesized for a concrete Region without Custom Labels, and not for one with it', () => {
    const warned = (region: string) =>
      Annotations.fromStack(stackOf(only({ region, account: '123456789012' }), 'Mlw-CustomLabelsAssist')).findWarning(
        '*',
        Match.stringLikeRegexp('Rekognition Custom Labels is not offered in'),
      );
    expect(warned('sa-east-1')).toHaveLength(1);
    expect(warned('eu-west-1')).toHaveLength(0);
  });
});
