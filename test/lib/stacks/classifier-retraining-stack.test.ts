import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { realApp, stackOf, templateOf } from '../../helpers/app';

const RETRAINING = 'Mlw-ClassifierRetraining';
const stackWith = (context: Record<string, unknown> = {}) => stackOf(realApp(context), RETRAINING);

/** Every IAM statement of the template's policies, flattened. */
function statements(template: ReturnType<typeof templateOf>): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('classifier retraining stack', () => {
  const template = templateOf(stackWith());

  it('is deployed with the active-learning loop and not without it', () => {
    expect(realApp().node.tryFindChild(RETRAINING)).toBeDefined();
    expect(realApp({ 'activeLearning.enabled': 'false' }).node.tryFindChild(RETRAINING)).toBeUndefined();
    expect(realApp({ 'classifierRetraining.enabled': 'false' }).node.tryFindChild(RETRAINING)).toBeUndefined();
  });

  it("reads the loop's bucket and endpoint parameter through cross-stack references, not names", () => {
    const definition = JSON.stringify(
      template.findResources('AWS::StepFunctions::StateMachine')[
        Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0]!
      ],
    );
    expect(definition).toMatch(/Fn::ImportValue/);
    expect(definition).toContain('ActiveLearning');
  });

  it('has one state machine with a timeout, tracing and full logging, and a run table kept on delete', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'classifier', KeyType: 'HASH' },
          { AttributeName: 'item', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
  });

  it('starts weekly from EventBridge Scheduler with a dead-letter queue, and not at all with schedule=off', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)',
      Target: Match.objectLike({
        Input: JSON.stringify({ action: 'start', trigger: 'schedule' }),
        DeadLetterConfig: { Arn: Match.anyValue() },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
      }),
    });
    templateOf(stackWith({ 'classifierRetraining.schedule': 'off' })).resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('trains through SDK integrations and polls with Wait states: no sleeping Lambda', () => {
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    for (const action of [
      'comprehend:createDocumentClassifier',
      'comprehend:describeDocumentClassifier',
      'comprehend:updateEndpoint',
      'comprehend:createEndpoint',
      'comprehend:describeEndpoint',
      'ssm:getParameter',
      'ssm:putParameter',
    ])
      expect(definition).toContain(`:states:::aws-sdk:${action}`);
    expect(definition).toContain('\\"Type\\":\\"Wait\\"');
    // The functions are short (prepare at most 15 minutes); none waits for Comprehend.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect((fn as { Properties: { Timeout?: number } }).Properties.Timeout ?? 3).toBeLessThanOrEqual(900);
  });

  it('grants least privilege: DeleteDocumentClassifier only on versions of its classifier, PassRole only to Comprehend', () => {
    const all = statements(template);
    const deletes = all.filter((s) => actionsOf(s).includes('comprehend:DeleteDocumentClassifier'));
    expect(deletes).toHaveLength(1);
    expect(JSON.stringify(deletes[0]!.Resource)).toContain('document-classifier/default');
    const passRole = all.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toEqual([
      expect.objectContaining({
        Condition: { StringEquals: { 'iam:PassedToService': 'comprehend.amazonaws.com' } },
      }),
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'comprehend.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ],
      }),
    });
  });

  it('alarms on failed, stuck and endpoint-update-failed runs, each with a runbook link', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: { AlarmDescription: string } }).Properties.AlarmDescription,
    );
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const description of alarms) expect(description).toMatch(/Runbook: docs\/runbook\.md#/);
    expect(alarms.some((d) => d.includes('#retraining-run-stuck'))).toBe(true);
    expect(alarms.some((d) => d.includes('#endpoint-update-failed'))).toBe(true);
    expect(alarms.some((d) => d.includes('#failed-executions'))).toBe(true);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('EndpointUpdateFailed'),
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('flywheel mode: a flywheel on a data lake in the loop bucket, with the data access role', () => {
    const flywheel = templateOf(stackWith({ 'classifierRetraining.mode': 'flywheel' }));
    flywheel.hasResourceProperties('AWS::Comprehend::Flywheel', {
      ModelType: 'DOCUMENT_CLASSIFIER',
      DataLakeS3Uri: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      TaskConfig: { LanguageCode: 'en', DocumentClassificationConfig: { Mode: 'MULTI_CLASS' } },
    });
    const definition = JSON.stringify(flywheel.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain(':states:::aws-sdk:comprehend:startFlywheelIteration');
    expect(definition).toContain(':states:::aws-sdk:comprehend:updateFlywheel');
    template.resourceCountIs('AWS::Comprehend::Flywheel', 0);
  });

  it('follows the loop: multi-label and language reach the training request', () => {
    const definition = JSON.stringify(
      templateOf(
        stackWith({ 'activeLearning.multiLabel': 'true', 'classifierRetraining.approval': 'auto' }),
      ).findResources('AWS::StepFunctions::StateMachine'),
    );
    expect(definition).toContain('MULTI_LABEL');
    expect(definition).toContain('\\"LabelDelimiter\\":\\"|\\"');
  });

  it("warns when the loop's stack owns the endpoint (create mode)", () => {
    const stack = stackWith({
      'activeLearning.classifier.mode': 'create',
      'activeLearning.classifier.trainingDataUri': 's3://training/intents/',
    });
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('EndpointOwnedByCloudFormation'),
    );
    expect(warnings).toHaveLength(1);
  });

  it('refuses bad settings at synth with the key named', () => {
    expect(() => realApp({ 'classifierRetraining.schedule': 'weekly' })).toThrow(/classifierRetraining\.schedule/);
    expect(() => realApp({ 'classifierRetraining.minF1': '1.5' })).toThrow(/classifierRetraining\.minF1/);
    expect(() => realApp({ 'classifierRetraining.testDataUri': 'https://x/y.csv' })).toThrow(
      /classifierRetraining\.testDataUri/,
    );
  });
});
