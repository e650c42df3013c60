import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { ENDPOINT_PLACEHOLDER } from '../../../lambdas/active-learning/contract';
import { A2I_STATUS_DETAIL_TYPE, REVIEW_ENV } from '../../../lambdas/review/contract';
import { ActiveLearningLoop, A2iReview } from '../../../lib/constructs/active-learning';
import { type HandlerFunction } from '../../../lib/shared/handler-function';
import { type IReviewBackend } from '../../../lib/shared/review-backend';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

const STACK = 'Mlw-ActiveLearning';

function policyStatements(template: Template, rolePrefix: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(rolePrefix))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

describe('active-learning stack (default configuration): reviews go to the review portal', () => {
  const app = realApp();
  const template = templateOf(stackOf(app, STACK));

  it('binds the review starter to the portal task table (conditional create only)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [REVIEW_ENV.BACKEND]: 'portal',
          [REVIEW_ENV.TASK_TABLE]: { 'Fn::ImportValue': Match.stringLikeRegexp('ReviewPortal') },
          [REVIEW_ENV.PORTAL_ID]: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:PutItem',
            Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('ReviewPortal') },
          }),
        ]),
      },
    });
  });

  it('consolidates the portal completion events and creates no A2I resources', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['ml-workflows.review-portal'],
        'detail-type': ['Review Portal Task Status Change'],
      }),
    });
    template.resourceCountIs('AWS::SageMaker::HumanTaskUi', 0);
    template.resourceCountIs('AWS::SageMaker::Workteam', 0);
  });

  it('depends on the review portal stack, not the other way round', () => {
    const loopStack = stackOf(app, STACK);
    const portalStack = stackOf(app, 'Mlw-ReviewPortal');
    expect(loopStack.dependencies).toContain(portalStack);
    expect(portalStack.dependencies).not.toContain(loopStack);
  });
});

describe('active-learning stack with the A2I review back end', () => {
  const template = templateOf(stackOf(realApp({ 'activeLearning.review': 'a2i' }), STACK));

  it('requires the API key on both methods and attaches the body validator and JSON-schema models', () => {
    const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } });
    expect(Object.keys(methods)).toHaveLength(2);
    for (const method of Object.values(methods) as { Properties: Record<string, unknown> }[]) {
      expect(method.Properties.ApiKeyRequired).toBe(true);
      expect(method.Properties.RequestValidatorId).toBeDefined();
      // The same model for JSON and for every other content type ($default): no content type bypasses validation.
      const models = method.Properties.RequestModels as Record<string, unknown>;
      expect(Object.keys(models)).toEqual(['application/json', '$default']);
      expect(models.$default).toEqual(models['application/json']);
    }
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['classifier', 'sentence'],
        additionalProperties: false,
        properties: Match.objectLike({ sentence: Match.objectLike({ minLength: 1 }) }),
      }),
    });
    template.resourceCountIs('AWS::ApiGateway::Model', 2);
    // No CORS preflight unless origins are configured.
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  });

  it('has a usage plan with a 2,000-requests-a-month quota and throttling, access logs and tracing', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Quota: { Limit: 2000, Period: 'MONTH' },
      Throttle: { RateLimit: 10, BurstLimit: 20 },
    });
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"status"') },
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })]),
    });
  });

  it('creates the endpoint parameter with a placeholder and reads it with a short cache (ssm-parameter default)', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `/${STACK}/classifier-endpoints/default`,
      Value: ENDPOINT_PLACEHOLDER,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AL_ENDPOINT_MODE: 'ssm-parameter',
          AL_ENDPOINT_PARAMETER_PREFIX: `/${STACK}/classifier-endpoints`,
          AL_ENDPOINT_CACHE_SECONDS: '60',
          AL_THRESHOLD: '0.5',
        }),
      },
    });
  });

  it('grants the classify function only GetParameter under the prefix, ClassifyDocument, PutRecord and PutObject on its dead-letter prefix', () => {
    const statements = policyStatements(template, 'LoopClassifyRole');
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'comprehend:ClassifyDocument',
        'firehose:PutRecord',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:PutObject',
        'ssm:GetParameter',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const ssm = statements.find((s) => s.Action === 'ssm:GetParameter')!;
    expect(JSON.stringify(ssm.Resource)).toContain(`:parameter/${STACK}/classifier-endpoints/*`);
    const put = statements.find((s) => s.Action === 'firehose:PutRecord')!;
    expect(put.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LoopFeedbackStream/), 'Arn'] });
    const deadLetters = statements.find((s) => s.Action === 's3:PutObject')!;
    expect(JSON.stringify(deadLetters.Resource)).toMatch(/LoopDataBucket.*\/dead-letter\/implicit-feedback\/\*/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'active-learning-classify',
          AL_DATA_BUCKET: { Ref: Match.stringLikeRegexp('LoopDataBucket') },
        }),
      },
    });
  });

  it('grants the starter StartHumanLoop on its flow definition only and exact S3 actions on three prefixes', () => {
    const statements = policyStatements(template, 'LoopStartReviewRole');
    const start = statements.find((s) => s.Action === 'sagemaker:StartHumanLoop')!;
    expect(start.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/FlowDefinition/), 'FlowDefinitionArn'] });
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => String(a).startsWith('s3:'))).toEqual([
      's3:GetObject',
      's3:GetObjectVersion',
      's3:PutObject',
      's3:PutObject',
    ]);
    const joined = JSON.stringify(statements);
    expect(joined).toContain('/feedback/*');
    expect(joined).toContain('/review-batches/*');
    expect(joined).toContain('/dead-letter/feedback-records/*');
  });

  it("alarms on feedback lines kept under dead-letter/feedback-records/ (the starter's count, runbook linked)", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FeedbackRecordsDeadLettered',
      Namespace: 'MlWorkflows',
      Dimensions: [{ Name: 'service', Value: 'active-learning-start-review' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => (a as { Properties: { MetricName?: string } }).Properties.MetricName === 'FeedbackRecordsDeadLettered',
    ) as { Properties: { AlarmDescription: unknown } };
    expect(JSON.stringify(alarm.Properties.AlarmDescription)).toContain('dead-letter/feedback-records/');
    expect(JSON.stringify(alarm.Properties.AlarmDescription)).toContain('#records-in-a-dead-letter-prefix');
  });

  it('delivers feedback through an encrypted Firehose stream with an error prefix and a least-privilege role', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'feedback/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/',
        ErrorOutputPrefix: Match.stringLikeRegexp('^feedback-errors/!\\{firehose:error-output-type\\}/'),
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
    const statements = policyStatements(template, 'LoopFeedbackStreamRole');
    expect(JSON.stringify(statements)).not.toMatch(/"s3:\*"|s3:GetObject\*|"Resource":"\*"/);
  });

  it('routes S3 and review events through EventBridge with retries and dead-letter queues', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: Match.objectLike({ object: { key: [{ suffix: '.json' }] } }),
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ object: { key: [{ prefix: 'feedback/' }] } }) }),
    });
    const flowArn = new Capture();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': [A2I_STATUS_DETAIL_TYPE],
        detail: { flowDefinitionArn: [flowArn], humanLoopStatus: ['Completed', 'Failed', 'Stopped'] },
      },
    });
    expect(flowArn.asObject()).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/FlowDefinition/), 'FlowDefinitionArn'],
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('sets up A2I: worker template rendering categories from the input, flow definition custom resource, private workteam on Cognito', () => {
    const ui = template.findResources('AWS::SageMaker::HumanTaskUi');
    const content = (Object.values(ui)[0] as { Properties: { UiTemplate: { Content: string } } }).Properties.UiTemplate
      .Content;
    expect(content).toContain('{% for category in task.input.categories %}');
    expect(content).toContain('name="textCategory{{ itemIndex }}"');
    for (const category of ['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'PRODUCT_FEEDBACK', 'OTHER'])
      expect(content).not.toContain(category);
    template.hasResourceProperties('Custom::A2iFlowDefinition', {
      TaskCount: 1,
      TaskTimeLimitInSeconds: 3600,
      TaskAvailabilityLifetimeInSeconds: 864000,
      OutputPath: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/review-output/']] },
      WorkteamArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Workteam'), 'WorkteamArn'] },
    });
    template.hasResourceProperties('AWS::SageMaker::Workteam', {
      MemberDefinitions: [
        {
          CognitoMemberDefinition: {
            CognitoUserPool: Match.anyValue(),
            CognitoClientId: Match.anyValue(),
            CognitoUserGroup: Match.anyValue(),
          },
        },
      ],
    });
    template.hasResourceProperties('AWS::SageMaker::Workforce', { CognitoConfig: Match.anyValue() });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('lets the flow-definition handler create, delete and describe only its own flow definitions and pass only its role', () => {
    const statements = policyStatements(template, 'LoopA2iReviewFlowDefinitionHandlerRole');
    const sagemaker = statements.find((s) => JSON.stringify(s.Action).includes('CreateFlowDefinition'))!;
    expect(JSON.stringify(sagemaker.Resource)).toMatch(/:flow-definition\/[a-z0-9-]+-\*"/);
    const pass = statements.find((s) => s.Action === 'iam:PassRole')!;
    expect(pass).toMatchObject({ Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } });
  });

  it('alarms on API 5xx, Firehose delivery, dead-letter queues, failed reviews and lost implicit feedback', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.Success',
      Namespace: 'AWS/Firehose',
      ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReviewsFailed',
      Dimensions: [{ Name: 'service', Value: 'active-learning-consolidate' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ImplicitFeedbackFailed' });
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateNumberOfMessagesVisible' },
      3,
    );
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('outputs what the CLI and the operator need', () => {
    for (const output of [
      'ApiUrl',
      'ApiKeyId',
      'UploadBucketName',
      'DataBucketName',
      'TrainingDataUri',
      'EndpointParameterName',
      'WorkteamArn',
      'FlowDefinitionArn',
      'WorkforceUserPoolId',
    ]) {
      template.hasOutput(output, {});
    }
  });
});

describe('active-learning stack configuration', () => {
  it('honours configuration: quota, origins, threshold, categories, existing workteam, endpoint ARN', () => {
    const template = templateOf(
      stackOf(
        realApp({
          activeLearning: {
            review: 'a2i',
            threshold: 0.7,
            categories: ['SPAM', 'HAM'],
            multiLabel: true,
            maxItemsPerReview: 5,
            api: { quotaPerMonth: 100, allowedOrigins: ['https://app.example.com'] },
            a2i: {
              workteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers',
              workersPerReview: 3,
              contentClassifiers: 'FreeOfAdultContent',
            },
            classifier: {
              mode: 'endpoint-arn',
              name: 'spam',
              endpointArn: 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/spam',
            },
          },
        }),
        STACK,
      ),
    );
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 100, Period: 'MONTH' } });
    const preflight = Object.values(
      template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
    ) as { Properties: { ApiKeyRequired?: boolean; Integration: { IntegrationResponses: unknown } } }[];
    expect(preflight).toHaveLength(3);
    for (const method of preflight) {
      expect(method.Properties.ApiKeyRequired).not.toBe(true);
      expect(JSON.stringify(method.Properties.Integration.IntegrationResponses)).toContain("'https://app.example.com'");
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AL_ENDPOINT_MODE: 'endpoint-arn',
          AL_THRESHOLD: '0.7',
          AL_ALLOWED_ORIGINS: 'https://app.example.com',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AL_CATEGORIES: 'SPAM,HAM',
          AL_MULTI_LABEL: 'true',
          AL_MAX_ITEMS_PER_REVIEW: '5',
          REVIEW_BACKEND: 'a2i',
          REVIEW_A2I_CONTENT_CLASSIFIERS: 'FreeOfAdultContent',
        }),
      },
    });
    template.hasResourceProperties('Custom::A2iFlowDefinition', {
      TaskCount: 3,
      WorkteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers',
    });
    template.resourceCountIs('AWS::SageMaker::Workteam', 0);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    const statements = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(statements).toContain(
      '"Action":"comprehend:ClassifyDocument","Effect":"Allow","Resource":"arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/spam"',
    );
  });

  it('creates a classifier and its endpoint in create mode', () => {
    const template = templateOf(
      stackOf(
        realApp({
          'activeLearning.classifier.mode': 'create',
          'activeLearning.classifier.trainingDataUri': 's3://my-training/intents/',
          'activeLearning.classifier.inferenceUnits': '2',
        }),
        STACK,
      ),
    );
    template.hasResourceProperties('AWS::Comprehend::DocumentClassifier', {
      Mode: 'MULTI_CLASS',
      InputDataConfig: { S3Uri: 's3://my-training/intents/', DataFormat: 'COMPREHEND_CSV' },
      LanguageCode: 'en',
    });
    template.hasResourceProperties('AWS::Comprehend::DocumentClassifierEndpoint', { DesiredInferenceUnits: 2 });
  });

  it('names the key, the value and the fix for bad configuration', () => {
    expect(() => realApp({ 'activeLearning.threshold': '1.5' })).toThrow(
      /activeLearning\.threshold: received "1\.5"; expected a value <= 1/,
    );
    expect(() => realApp({ 'activeLearning.review': 'mturk' })).toThrow(
      /activeLearning\.review: received "mturk"; Invalid option: expected one of "portal"\|"a2i"/,
    );
    expect(() => realApp({ 'activeLearning.review': 'portal', 'reviewPortal.enabled': 'false' })).toThrow(
      /activeLearning\.review: received "portal" but reviewPortal\.enabled is false/,
    );
    expect(() => realApp({ 'activeLearning.categories': 'A|B,C' })).toThrow(/activeLearning\.categories\.0/);
    expect(() => realApp({ 'activeLearning.classifier.mode': 'endpoint-arn' })).toThrow(
      /activeLearning\.classifier\.endpointArn: required/,
    );
    expect(() => realApp({ 'activeLearning.classifier.mode': 'create' })).toThrow(
      /activeLearning\.classifier\.trainingDataUri: required/,
    );
  });

  it('can be switched off', () => {
    expect(realApp({ 'activeLearning.enabled': 'false' }).node.tryFindChild(STACK)).toBeUndefined();
  });
});

describe('ActiveLearningLoop with another review back end', () => {
  it('talks to the back end only through the seam: bindStarter, completionEventPattern, grantReadOutput', () => {
    const stack = new Stack(testApp(), 'S');
    const calls: string[] = [];
    const portal: IReviewBackend = {
      kind: 'portal',
      bindStarter: (starter: HandlerFunction) => {
        calls.push('bindStarter');
        starter.addEnvironment(REVIEW_ENV.BACKEND, 'portal');
        starter.addEnvironment(REVIEW_ENV.TASK_TABLE, 'tasks');
      },
      completionEventPattern: {
        source: ['ml-workflows.review-portal'],
        detailType: ['Review Portal Task Status Change'],
      },
      grantReadOutput: () => calls.push('grantReadOutput'),
    };
    const loop = new ActiveLearningLoop(stack, 'Loop', { reviewBackend: portal });
    const template = templateOf(stack);
    expect(calls.sort()).toEqual(['bindStarter', 'grantReadOutput']);
    expect(loop.reviewBackend).toBe(portal);
    template.resourceCountIs('AWS::SageMaker::HumanTaskUi', 0);
    template.resourceCountIs('Custom::A2iFlowDefinition', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['ml-workflows.review-portal'], 'detail-type': ['Review Portal Task Status Change'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REVIEW_BACKEND: 'portal', REVIEW_TASK_TABLE: 'tasks' }) },
    });
  });
});

describe('ActiveLearningLoop validation', () => {
  const make = (props: ConstructorParameters<typeof ActiveLearningLoop>[2]) => () =>
    new ActiveLearningLoop(new Stack(testApp(), 'S'), 'L', props);
  it('throws when threshold is out of range', () =>
    expect(make({ threshold: 1.2 })).toThrow('S/L: invalid threshold 1.2: must be between 0 and 1'));
  it('throws when maxItemsPerReview is out of range', () =>
    expect(make({ maxItemsPerReview: 0 })).toThrow('invalid maxItemsPerReview 0'));
  it('throws when feedbackBuffering is over 900 s', () =>
    expect(make({ feedbackBuffering: Duration.minutes(20) })).toThrow('invalid feedbackBuffering'));
  it('throws when uploadExpiration is out of range', () =>
    expect(make({ uploadExpiration: Duration.days(0) })).toThrow('invalid uploadExpiration'));
  it('throws when the quota is out of range', () =>
    expect(make({ api: { quotaPerMonth: 0 } })).toThrow('invalid api.quotaPerMonth 0'));
  it('throws when the rate limit is out of range', () =>
    expect(make({ api: { rateLimit: 0 } })).toThrow('invalid api.rateLimit 0'));
  it('throws when the burst limit is out of range', () =>
    expect(make({ api: { burstLimit: 0 } })).toThrow('invalid api.burstLimit 0'));
  it('throws when both reviewBackend and a2i are given', () => {
    const stack = new Stack(testApp(), 'S');
    const backend = new A2iReview(stack, 'R', { outputBucket: new ActiveLearningLoop(stack, 'Other').dataBucket });
    expect(() => new ActiveLearningLoop(stack, 'L', { reviewBackend: backend, a2i: {} })).toThrow(
      'give at most one of reviewBackend, a2i',
    );
  });
  it('throws when there are no categories', () => expect(make({ categories: [] })).toThrow('invalid categories []'));
  it('throws when a category holds the label delimiter', () =>
    expect(make({ categories: ['A|B'] })).toThrow('invalid categories "A|B"'));
  it('throws when categories repeat', () =>
    expect(make({ categories: ['A', 'A'] })).toThrow('categories must be distinct'));
  it('throws when an origin is a wildcard', () =>
    expect(make({ api: { allowedOrigins: ['*'] } })).toThrow('invalid api.allowedOrigins "*"'));
  it('throws when multiLabel of a created classifier disagrees', () =>
    expect(
      make({ multiLabel: false, classifier: { mode: 'create', trainingDataUri: 's3://b-b/x', multiLabel: true } }),
    ).toThrow('invalid classifier.multiLabel'));
  it('throws when the classifier name is invalid', () =>
    expect(make({ classifier: { mode: 'ssm-parameter', name: 'bad name' } })).toThrow(
      'invalid classifier.name "bad name"',
    ));
  it('throws when the endpoint ARN is invalid', () =>
    expect(make({ classifier: { mode: 'endpoint-arn', endpointArn: 'arn:aws:s3:::x' } })).toThrow(
      'invalid classifier.endpointArn',
    ));
  it('throws when the training data URI is invalid', () =>
    expect(make({ classifier: { mode: 'create', trainingDataUri: 'https://x' } })).toThrow(
      'invalid classifier.trainingDataUri',
    ));
  it('throws when the inference units are out of range', () =>
    expect(make({ classifier: { mode: 'create', trainingDataUri: 's3://b-b/x', inferenceUnits: 0 } })).toThrow(
      'invalid classifier.inferenceUnits 0',
    ));
  it('throws when the cache is out of range', () =>
    expect(make({ classifier: { mode: 'ssm-parameter', cacheSeconds: 7200 } })).toThrow(
      'invalid classifier.cacheSeconds 7200',
    ));
  it('throws when the parameter prefix is invalid', () =>
    expect(make({ classifier: { mode: 'ssm-parameter', parameterPrefix: 'no-slash' } })).toThrow(
      'invalid classifier.parameterPrefix',
    ));
});

describe('A2iReview validation', () => {
  const make = (props: Partial<ConstructorParameters<typeof A2iReview>[2]>) => () => {
    const stack = new Stack(testApp(), 'S');
    const bucket = new ActiveLearningLoop(stack, 'L').dataBucket;
    return new A2iReview(stack, 'R', { outputBucket: bucket, ...props });
  };
  it('throws when workersPerReview is out of range', () =>
    expect(make({ workersPerReview: 4 })).toThrow('invalid workersPerReview 4: must be between 1 and 3'));
  it('throws when the task time limit is out of range', () =>
    expect(make({ taskTimeLimit: Duration.hours(9) })).toThrow('invalid taskTimeLimit'));
  it('throws when the availability is out of range', () =>
    expect(make({ taskAvailability: Duration.days(11) })).toThrow('invalid taskAvailability'));
  it('throws when the workteam ARN is invalid', () =>
    expect(make({ workteamArn: 'team' })).toThrow('invalid workteamArn "team"'));
  it('throws when the output prefix is invalid', () =>
    expect(make({ outputPrefix: 'no-slash' })).toThrow('invalid outputPrefix "no-slash"'));
  it('throws when the title is too long', () =>
    expect(make({ taskTitle: 'x'.repeat(129) })).toThrow('invalid taskTitle'));
  it('throws when the description is too long', () =>
    expect(make({ taskDescription: 'x'.repeat(256) })).toThrow('invalid taskDescription'));
  it('throws when the template does not answer with textCategory fields', () =>
    expect(make({ workerTemplate: '{{ task.input.categories }}' })).toThrow(
      'must answer with fields named textCategory',
    ));
  it('throws when the template hard-codes categories', () =>
    expect(make({ workerTemplate: '<input name="textCategory{{ i }}" value="SPAM">' })).toThrow(
      'task.input.categories',
    ));
});
