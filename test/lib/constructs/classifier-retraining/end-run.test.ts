import { Match, type Template } from 'aws-cdk-lib/assertions';
import { RETRAINING_EVENT, RUN_END_ENV } from '../../../../lambdas/classifier-retraining/contract';
import { realApp, stackOf, templateOf } from '../../../helpers/app';

const RETRAINING = 'Mlw-ClassifierRetraining';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** The statements of the policies attached to the role of the run-end function. */
function runEndStatements(template: Template): Statement[] {
  const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('RunEndFunctionRole'));
  expect(roles).toHaveLength(1);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p).includes(`"Ref":"${roles[0]}"`))
    .flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('classifier retraining: runs that end failed, timed out or aborted', () => {
  const template = templateOf(stackOf(realApp(), RETRAINING));

  it("a rule on this state machine's FAILED, TIMED_OUT and ABORTED executions targets the run-end function with retries and a DLQ", () => {
    const stateMachine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: stateMachine }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RunEndFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RunEndFunctionDlq'), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('stops the training of a run'),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RunEndFunctionDlq'), 'Arn'] } },
      Environment: {
        Variables: Match.objectLike({
          [RUN_END_ENV.MODE]: 'versions',
          [RUN_END_ENV.COMPREHEND_CLASSIFIER_ARN]: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':document-classifier/[A-Za-z0-9-]+$')])],
          }),
        }),
      },
    });
  });

  it('may describe and stop versions of this classifier only, touch only its partition of the run table, and send only the run event', () => {
    const statements = runEndStatements(template);
    const comprehend = statements.filter((s) => actions(s).some((a) => a.startsWith('comprehend:')));
    expect(comprehend).toHaveLength(1);
    expect(actions(comprehend[0]!).sort()).toEqual([
      'comprehend:DescribeDocumentClassifier',
      'comprehend:StopTrainingDocumentClassifier',
    ]);
    expect(JSON.stringify(comprehend[0]!.Resource)).toMatch(/:document-classifier\/[A-Za-z0-9-]+\/version\/\*"/);

    const dynamo = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actions(dynamo[0]!).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem']);
    expect(dynamo[0]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [expect.any(String)] },
    });
    expect(JSON.stringify(dynamo[0]!.Resource)).not.toContain('*');

    const events = statements.filter((s) => actions(s).includes('events:PutEvents'));
    expect(events).toHaveLength(1);
    expect(events[0]!.Condition).toEqual({ StringEquals: { 'events:source': RETRAINING_EVENT.SOURCE } });
    expect(JSON.stringify(events[0]!.Resource)).toContain(':event-bus/default');

    // Nothing else: no other service, no action wildcard.
    const other = statements
      .flatMap(actions)
      .filter((a) => !/^(comprehend|dynamodb|events):/.test(a) && !/^(logs|xray|sqs):/.test(a));
    expect(other).toEqual([]);
    expect(statements.flatMap(actions).filter((a) => a.includes('*') && !a.startsWith('xray:'))).toEqual([]);
  });

  it("alarms when a stop fails, and on the function's errors and dead-letter queue", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TrainingStopFailures',
      Dimensions: [{ Name: 'service', Value: 'classifier-retraining-end-run' }],
      AlarmDescription: Match.stringLikeRegexp(
        'could not be described or stopped.*docs/runbook.md#retraining-run-stuck',
      ),
    });
    const descriptions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify((a as { Properties: { AlarmDescription?: unknown } }).Properties.AlarmDescription),
    );
    expect(descriptions.filter((d) => d.includes('EndRun'))).toHaveLength(3);
  });

  it('flywheel mode has no Comprehend permission (no call stops a flywheel iteration) but still unlocks and announces', () => {
    const flywheel = templateOf(stackOf(realApp({ 'classifierRetraining.mode': 'flywheel' }), RETRAINING));
    const statements = runEndStatements(flywheel);
    expect(statements.flatMap(actions).filter((a) => a.startsWith('comprehend:'))).toEqual([]);
    expect(statements.flatMap(actions)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'events:PutEvents']));
  });
});
