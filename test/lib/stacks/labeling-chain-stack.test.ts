import { Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../../lib/config';
import { LabelingJobChain, minimumPollIntervalSeconds } from '../../../lib/constructs/labeling-chain';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

describe('labeling-chain stack', () => {
  const template = templateOf(stackOf(realApp(), 'Mlw-LabelingChain'));

  it('maps every Region to its built-in task Lambda account and passes the lookup to the planner', () => {
    template.hasMapping('*', {
      'us-east-1': { account: '432418664414' },
      'ap-southeast-2': { account: '454466003867' },
    });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('"Fn::FindInMap"');
    expect(definition).toContain('{"Ref":"AWS::Region"},"account"');
  });

  it('uses SDK integrations for SageMaker and a logged, traced state machine with a timeout', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain(':states:::aws-sdk:sagemaker:describeLabelingJob');
    expect(definition).toContain(':states:::aws-sdk:sagemaker:createLabelingJob');
    expect(definition).toContain('\\"TimeoutSeconds\\":8121600');
    expect(definition).toContain('\\"Seconds\\":3600');
  });

  it('lets the state machine describe and create labeling jobs, tag them, and pass roles only to SageMaker', () => {
    const statement = (pattern: Record<string, unknown>) =>
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(pattern)]) },
      });
    statement({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*']],
      },
    });
    statement({ Action: 'sagemaker:AddTags' });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('sagemaker:describeLabelingJob');
    expect(policies).toContain('sagemaker:createLabelingJob');
    expect(policies).toContain(':labeling-job/*');
  });

  it('lets the planner read only output manifests by default', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::*/manifests/output/output.manifest']],
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 900,
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'labeling-chain-planner' }) },
    });
  });

  it('auto-continues stopped and failed jobs through EventBridge with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Ground Truth Labeling Job State Change'],
        detail: { LabelingJobStatus: ['Stopped', 'Failed'] },
      },
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputPathsMap: { 'resources-0-': '$.resources[0]' },
            InputTemplate: '{"jobArn":<resources-0->,"trigger":"auto-continue"}',
          },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('alarms on failed executions, planner errors and the dead-letter queue, with a dashboard', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut + aborted' })]),
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasOutput('StateMachineArn', { Value: { Ref: Match.stringLikeRegexp('^ChainStateMachine') } });
  });

  it('honours configuration', () => {
    const configured = templateOf(
      stackOf(
        realApp({
          'labelingChain.maxChainLength': '6',
          'labelingChain.autoContinue': 'false',
          'labelingChain.passRoleArns': 'arn:aws:iam::123456789012:role/GroundTruthExecution',
          'labelingChain.manifestBuckets': 'pets-data,pets-labels',
        }),
        'Mlw-LabelingChain',
      ),
    );
    configured.resourceCountIs('AWS::Events::Rule', 0);
    const statement = (pattern: Record<string, unknown>) =>
      configured.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(pattern)]) },
      });
    statement({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/GroundTruthExecution' });
    statement({
      Action: 's3:GetObject',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::pets-data/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::pets-labels/*']] },
      ],
    });
    const definition = JSON.stringify(configured.findResources('AWS::StepFunctions::StateMachine'));
    // 6 jobs of 30 days need a poll of at least 5,832 s to stay within 25,000 history events: rounded up to 5,880.
    expect(minimumPollIntervalSeconds(6)).toBe(5832);
    expect(definition).toContain('\\"Seconds\\":5880');
    expect(definition).toContain('\\"maxChainLength\\":6');
  });

  it('can be switched off', () => {
    expect(realApp({ 'labelingChain.enabled': 'false' }).node.tryFindChild('Mlw-LabelingChain')).toBeUndefined();
  });

  it('rejects bad configuration naming the key', () => {
    expect(() => parseConfig({ 'labelingChain.maxChainLength': '11' })).toThrow(
      'labelingChain.maxChainLength: received "11"; expected a value <= 10 and >= 1',
    );
    expect(() => parseConfig({ 'labelingChain.passRoleArns': 'not-an-arn' })).toThrow(
      /labelingChain\.passRoleArns\.0: .*expected an ARN of the form arn:aws:iam:/,
    );
  });

  describe('validation', () => {
    const make = (props: ConstructorParameters<typeof LabelingJobChain>[2]) => () =>
      new LabelingJobChain(new Stack(testApp(), 'S'), 'C', props);

    it('throws when maxChainLength is out of range', () => {
      expect(make({ maxChainLength: 11 })).toThrow('S/C: invalid maxChainLength 11: must be between 1 and 10 jobs');
    });
    it('throws when maxChainLength is not whole', () => {
      expect(make({ maxChainLength: 2.5 })).toThrow('S/C: invalid maxChainLength 2.5: must be a whole number of jobs');
    });
    it('throws when pollInterval is out of range', () => {
      expect(make({ pollInterval: Duration.seconds(30) })).toThrow(
        'S/C: invalid pollInterval 30: must be between 60 and 86400 seconds',
      );
    });
    it('throws when pollInterval would outgrow the execution history', () => {
      expect(make({ maxChainLength: 10, pollInterval: Duration.hours(1) })).toThrow(
        'S/C: invalid pollInterval 1 hour: must be at least 9720 seconds for maxChainLength 10, or an execution can outgrow the 25000-event history',
      );
    });
    it('throws when a pass-role entry is not a role ARN', () => {
      expect(make({ passRoleArns: ['arn:aws:iam::123456789012:user/x'] })).toThrow(
        /invalid passRoleArns .*each entry must be an IAM role ARN/,
      );
    });
    it('throws when a manifest bucket is not a bucket name', () => {
      expect(make({ manifestBuckets: ['Bad_Bucket'] })).toThrow(/invalid manifestBuckets "Bad_Bucket"/);
    });
    it('throws when a KMS key entry is not a key ARN', () => {
      expect(make({ manifestKmsKeyArns: ['alias/x'] })).toThrow(/invalid manifestKmsKeyArns "alias\/x"/);
    });
  });
});
