import { Match } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import { JsonLinesInspector } from '../../../lib/constructs/example';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

describe('example stack', () => {
  const template = templateOf(stackOf(realApp(), 'Mlw-Example'));

  it('uses the house function settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Handler: 'index.handler',
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({ NODE_OPTIONS: Match.absent(), EXAMPLE_BUCKET: Match.anyValue() }),
      },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates secure buckets: blocked public access, encryption, TLS-only, access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.anyValue(),
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('grants exact object actions on the two prefixes only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/incoming/*']] },
          }),
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/summaries/*']] },
          }),
        ]),
      },
    });
  });

  it('routes uploads through EventBridge with bounded retries and a DLQ, and alarms on the DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: Match.objectLike({ object: { key: [{ prefix: 'incoming/' }] } }),
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('encrypts the alarm topic with a key CloudWatch may use (the AWS-managed SNS key would silently drop alarms)', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('honours configuration', () => {
    const configured = templateOf(
      stackOf(realApp({ 'example.expireAfterDays': '7', logRetentionDays: '90', stackPrefix: 'Team' }), 'Team-Example'),
    );
    configured.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    configured.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7, Status: 'Enabled' })]),
      },
    });
  });

  it('can be switched off', () => {
    expect(realApp({ 'example.enabled': 'false' }).node.tryFindChild('Mlw-Example')).toBeUndefined();
  });

  it('throws when expireAfterDays is out of range', () => {
    const stack = new Stack(testApp(), 'S');
    expect(() => new JsonLinesInspector(stack, 'I', { expireAfterDays: 0 })).toThrow(
      'S/I: invalid expireAfterDays 0: must be between 1 and 3650 days',
    );
  });
});
