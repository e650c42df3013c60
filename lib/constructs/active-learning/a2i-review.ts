import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Aws,
  CustomResource,
  Duration,
  Fn,
  Names,
  Stack,
  aws_cognito as cognito,
  type aws_events as events,
  aws_iam as iam,
  type aws_s3 as s3,
  aws_sagemaker as sagemaker,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ACTIVE_LEARNING_SERVICE } from '../../../lambdas/active-learning/contract';
import { A2I_STATUS_DETAIL_TYPE, type A2iContentClassifier, REVIEW_ENV } from '../../../lambdas/review/contract';
import { validatePattern, validateRange } from '../../shared/errors';
import { WorkflowProvider } from '../../shared/custom-resource';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { assetPath, lambdaEntry } from '../../shared/paths';
import { type IReviewBackend } from '../../shared/review-backend';
import { ReviewerUserPool } from '../../shared/reviewer-user-pool';

/** The worker task template shipped with the app (renders items and categories from the loop input). */
export const DEFAULT_WORKER_TEMPLATE = 'a2i/worker-template.liquid.html';

/** Props of {@link A2iReview}. */
export interface A2iReviewProps {
  /** Bucket that receives the A2I output (`output.json` of each human loop). */
  readonly outputBucket: s3.IBucket;
  /**
   * Key prefix of the output (ends with `/`).
   * @default 'review-output/'
   */
  readonly outputPrefix?: string;
  /**
   * An existing private workteam.
   * @default a Cognito user pool, a private workforce on it and a workteam (one private workforce per account and
   * Region: give `workteamArn` when the account already has one)
   */
  readonly workteamArn?: string;
  /**
   * Workers per human loop (A2I `TaskCount`, 1-3).
   * @default 1
   */
  readonly workersPerReview?: number;
  /**
   * Time a worker has to finish one review.
   * @default Duration.hours(1)
   */
  readonly taskTimeLimit?: Duration;
  /**
   * Time a review stays available to workers (at most 10 days).
   * @default Duration.days(10)
   */
  readonly taskAvailability?: Duration;
  /**
   * Title shown to workers.
   * @default 'Classify customer sentences'
   */
  readonly taskTitle?: string;
  /**
   * Description shown to workers.
   * @default 'Choose the category that fits each sentence.'
   */
  readonly taskDescription?: string;
  /**
   * `ContentClassifiers` declared on every human loop.
   * @default none (declare only what you know of the text)
   */
  readonly contentClassifiers?: readonly A2iContentClassifier[];
  /**
   * Worker task template (Liquid + crowd HTML elements). It must render `task.input.items` and
   * `task.input.categories` and answer with fields `textCategory<index>`.
   * @default the template in assets/a2i/worker-template.liquid.html
   */
  readonly workerTemplate?: string;
}

const NAME = /^[a-z0-9](-*[a-z0-9])*$/;

/**
 * Amazon A2I as a review back end ({@link IReviewBackend}): a worker task template (`CfnHumanTaskUi`), a private
 * workteam (given, or created on a Cognito user pool), and the flow definition — which has no CloudFormation type —
 * through a custom resource (Provider framework: create, replace on change, delete, and a status poll until the flow
 * definition is `Active`). Starters get `REVIEW_BACKEND=a2i`, the flow definition ARN and `sagemaker:StartHumanLoop`
 * on it; consolidators subscribe to A2I's status events for this flow definition and read its output prefix.
 *
 * A2I is no longer open to new customers: accounts without access use the review portal back end instead.
 */
export class A2iReview extends Construct implements IReviewBackend {
  public readonly kind = 'a2i' as const;
  /** The worker task template. */
  public readonly humanTaskUi: sagemaker.CfnHumanTaskUi;
  /** ARN of the flow definition (resolved at deploy time). */
  public readonly flowDefinitionArn: string;
  /** Name of the flow definition (changes when its properties change). */
  public readonly flowDefinitionName: string;
  /** The workteam reviewing the loops. */
  public readonly workteamArn: string;
  /** The role A2I assumes to write the output. */
  public readonly role: iam.Role;
  /** The Cognito user pool of the workforce (only when the workteam is created here). */
  public readonly userPool?: cognito.UserPool;
  /** The user pool domain (sign-in pages of the workforce), when created here. */
  public readonly userPoolDomain?: cognito.UserPoolDomain;
  /** The workteam, when created here. */
  public readonly workteam?: sagemaker.CfnWorkteam;
  /** Completion events of this flow definition's human loops. */
  public readonly completionEventPattern: events.EventPattern;
  private readonly outputBucket: s3.IBucket;
  private readonly outputPrefix: string;
  private readonly contentClassifiers: readonly A2iContentClassifier[];

  constructor(scope: Construct, id: string, props: A2iReviewProps) {
    super(scope, id);
    const outputPrefix = props.outputPrefix ?? 'review-output/';
    validatePattern(
      this,
      'outputPrefix',
      outputPrefix,
      /^([A-Za-z0-9!_.*'()-]+\/)+$/,
      "must be a key prefix ending with '/', e.g. review-output/",
    );
    validateRange(this, 'workersPerReview', props.workersPerReview, 1, 3);
    validateRange(this, 'taskTimeLimit', props.taskTimeLimit?.toSeconds(), 30, 28800, ' seconds');
    validateRange(this, 'taskAvailability', props.taskAvailability?.toSeconds(), 1, 864000, ' seconds');
    validatePattern(
      this,
      'workteamArn',
      props.workteamArn,
      /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{0,12}:workteam\/.+$/,
      'must be a SageMaker workteam ARN',
    );
    validatePattern(this, 'taskTitle', props.taskTitle, /^.{1,128}$/s, 'must be 1-128 characters');
    validatePattern(this, 'taskDescription', props.taskDescription, /^.{1,255}$/s, 'must be 1-255 characters');
    const template = props.workerTemplate ?? readFileSync(assetPath(DEFAULT_WORKER_TEMPLATE), 'utf8');
    validatePattern(
      this,
      'workerTemplate',
      template,
      /textCategory\{\{/,
      'must answer with fields named textCategory{{ <item index> }}',
    );
    validatePattern(
      this,
      'workerTemplate',
      template,
      /task\.input\.categories/,
      'must render the categories from task.input.categories',
    );

    this.outputBucket = props.outputBucket;
    this.outputPrefix = outputPrefix;
    this.contentClassifiers = props.contentClassifiers ?? [];
    const prefix = lowerName(Names.uniqueResourceName(this, { maxLength: 36, separator: '-' }));

    // Worker task template: a human task UI cannot be updated in place, so its name follows its content and a new
    // template replaces the old one cleanly.
    this.humanTaskUi = new sagemaker.CfnHumanTaskUi(this, 'WorkerTaskTemplate', {
      humanTaskUiName: `${prefix}-${sha(template).slice(0, 12)}`,
      uiTemplate: { content: template },
    });

    if (props.workteamArn !== undefined) {
      this.workteamArn = props.workteamArn;
    } else {
      const team = this.privateWorkteam(prefix);
      this.userPool = team.userPool;
      this.userPoolDomain = team.domain;
      this.workteam = team.workteam;
      this.workteamArn = team.workteam.attrWorkteamArn;
    }

    this.role = new iam.Role(this, 'FlowDefinitionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Amazon A2I writes human review outputs with this role',
    });
    grantObjects(props.outputBucket, this.role, 'write', `${outputPrefix}*`);

    const onEvent = new HandlerFunction(this, 'FlowDefinitionHandler', {
      entry: lambdaEntry('active-learning/flow-definition.ts'),
      invocation: 'custom-resource',
      serviceName: ACTIVE_LEARNING_SERVICE.FLOW_DEFINITION,
      description: 'Creates, replaces and deletes the A2I flow definition (custom resource)',
      timeout: Duration.minutes(1),
    });
    const isComplete = new HandlerFunction(this, 'FlowDefinitionStatus', {
      entry: lambdaEntry('active-learning/flow-definition-status.ts'),
      invocation: 'custom-resource',
      serviceName: ACTIVE_LEARNING_SERVICE.FLOW_DEFINITION_STATUS,
      description: 'Reports when the A2I flow definition is Active or deleted (custom resource)',
      timeout: Duration.seconds(30),
    });
    const flowDefinitions = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'flow-definition',
      resourceName: `${prefix}-*`,
    });
    onEvent.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateFlowDefinition',
          'sagemaker:DeleteFlowDefinition',
          'sagemaker:DescribeFlowDefinition',
        ],
        resources: [flowDefinitions],
      }),
    );
    onEvent.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    isComplete.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeFlowDefinition'], resources: [flowDefinitions] }),
    );
    const flowDefinitionsFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:flow-definition/${prefix}-*]`;
    for (const fn of [onEvent, isComplete]) {
      acknowledge(
        fn.role!,
        "Flow definition names end with a hash of their properties (a change replaces the flow definition), so the grant covers this construct's name prefix only.",
        flowDefinitionsFinding,
      );
    }

    const provider = new WorkflowProvider(this, 'FlowDefinitionProvider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: Duration.seconds(20),
      totalTimeout: Duration.minutes(30),
    });

    const flowDefinition = new CustomResource(this, 'FlowDefinition', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::A2iFlowDefinition',
      properties: {
        NamePrefix: prefix,
        RoleArn: this.role.roleArn,
        HumanTaskUiArn: this.humanTaskUi.attrHumanTaskUiArn,
        WorkteamArn: this.workteamArn,
        OutputPath: `s3://${props.outputBucket.bucketName}/${outputPrefix}`,
        ...(props.outputBucket.encryptionKey ? { KmsKeyId: props.outputBucket.encryptionKey.keyArn } : {}),
        TaskTitle: props.taskTitle ?? 'Classify customer sentences',
        TaskDescription: props.taskDescription ?? 'Choose the category that fits each sentence.',
        TaskCount: props.workersPerReview ?? 1,
        TaskTimeLimitInSeconds: props.taskTimeLimit?.toSeconds() ?? 3600,
        TaskAvailabilityLifetimeInSeconds: props.taskAvailability?.toSeconds() ?? 864000,
      },
    });
    // A2I checks the role's S3 permissions when it creates the flow definition.
    flowDefinition.node.addDependency(this.role);
    if (this.workteam) flowDefinition.node.addDependency(this.workteam);
    this.flowDefinitionArn = flowDefinition.getAttString('FlowDefinitionArn');
    this.flowDefinitionName = flowDefinition.getAttString('FlowDefinitionName');

    this.completionEventPattern = {
      source: ['aws.sagemaker'],
      detailType: [A2I_STATUS_DETAIL_TYPE],
      detail: { flowDefinitionArn: [this.flowDefinitionArn], humanLoopStatus: ['Completed', 'Failed', 'Stopped'] },
    };
  }

  /** Give a review starter the flow definition and permission to start human loops on it (and nothing else). */
  public bindStarter(starter: HandlerFunction): void {
    starter.addEnvironment(REVIEW_ENV.BACKEND, this.kind);
    starter.addEnvironment(REVIEW_ENV.A2I_CONTENT_CLASSIFIERS, this.contentClassifiers.join(','));
    starter.bind(REVIEW_ENV.FLOW_DEFINITION_ARN, this.flowDefinitionArn, (grantee) =>
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:StartHumanLoop'],
        resourceArns: [this.flowDefinitionArn],
      }),
    );
  }

  /** Read access to the A2I output prefix (`output.json` of every loop). */
  public grantReadOutput(grantee: iam.IGrantable): void {
    grantObjects(this.outputBucket, grantee, 'read', `${this.outputPrefix}*`);
  }

  private privateWorkteam(prefix: string): {
    userPool: cognito.UserPool;
    domain: cognito.UserPoolDomain;
    workteam: sagemaker.CfnWorkteam;
  } {
    const userPool = new ReviewerUserPool(this, 'WorkforceUserPool');
    const domain = userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix: Fn.join('-', ['mlw-review', sha(Names.uniqueId(this)).slice(0, 8), Aws.ACCOUNT_ID]),
      },
    });
    const client = userPool.addClient('WorkforceClient', {
      generateSecret: true,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: true },
        scopes: [cognito.OAuthScope.EMAIL, cognito.OAuthScope.OPENID, cognito.OAuthScope.PROFILE],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });
    const group = new cognito.CfnUserPoolGroup(this, 'ReviewersGroup', {
      userPoolId: userPool.userPoolId,
      description: 'Reviewers of the active-learning loop (members of the A2I workteam)',
    });
    const workforce = new sagemaker.CfnWorkforce(this, 'Workforce', {
      workforceName: `${prefix}-wf`.slice(0, 63),
      cognitoConfig: { clientId: client.userPoolClientId, userPool: userPool.userPoolId },
    });
    const workteam = new sagemaker.CfnWorkteam(this, 'Workteam', {
      workteamName: `${prefix}-team`.slice(0, 63),
      description: 'Reviewers of the active-learning loop',
      workforceName: workforce.workforceName,
      memberDefinitions: [
        {
          cognitoMemberDefinition: {
            cognitoUserPool: userPool.userPoolId,
            cognitoClientId: client.userPoolClientId,
            cognitoUserGroup: group.ref,
          },
        },
      ],
    });
    workteam.addResourceDependency(workforce);
    return { userPool, domain, workteam };
  }
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A construct-derived name in the lower-case A2I alphabet. */
function lowerName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (!NAME.test(cleaned)) throw new Error(`Cannot derive an A2I name from ${name}`);
  return cleaned;
}
