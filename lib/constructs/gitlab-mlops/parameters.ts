import { CfnCondition, CfnParameter, Fn, type Stack } from 'aws-cdk-lib';
import { LAUNCH_PARAMETERS } from '../../../lambdas/gitlab-mlops/contract';

/** Props of {@link launchParameters}. */
export interface LaunchParameterOptions {
  /** The GitLab server (the only allowed value of `GitLabServerUrl`). */
  readonly gitlabUrl: string;
  /** Default of `GitLabTokenSecretName`. */
  readonly tokenSecretName: string;
  /** Every value `GitLabTokenSecretName` may take (the default first). */
  readonly allowedTokenSecretNames: readonly string[];
  /** Default of `GitLabGroupPath`. @default none */
  readonly defaultGroupPath?: string;
  /** The values `GitLabGroupPath` may take; empty: any group path. */
  readonly allowedGroupPaths: readonly string[];
}

/** The values of the product's launch parameters (tokens resolved at launch). */
export interface LaunchParameters {
  /** `SageMakerProjectName` (passed by SageMaker). */
  readonly projectName: string;
  /** `SageMakerProjectId` (passed by SageMaker). */
  readonly projectId: string;
  /** `GitLabServerUrl`. */
  readonly serverUrl: string;
  /** `GitLabGroupPath`. */
  readonly groupPath: string;
  /** `ModelBuildRepositoryName`, or `<project name>-model-build` when empty. */
  readonly buildRepo: string;
  /** `ModelDeployRepositoryName`, or `<project name>-model-deploy` when empty. */
  readonly deployRepo: string;
  /** `GitLabTokenSecretName`. */
  readonly tokenSecretName: string;
}

/**
 * The product's launch parameters (SageMaker passes the first two; Studio shows the others in two groups) and the
 * repository names derived from them.
 */
export function launchParameters(stack: Stack, options: LaunchParameterOptions): LaunchParameters {
  const projectName = new CfnParameter(stack, 'SageMakerProjectName', {
    type: 'String',
    description: 'Name of the SageMaker project (lowercase: it names IAM-scoped resources)',
    allowedPattern: '^[a-z](-*[a-z0-9]){0,31}$',
    constraintDescription: '1-32 lowercase letters, digits and hyphens, starting with a letter',
    maxLength: 32,
  }).valueAsString;
  const projectId = new CfnParameter(stack, 'SageMakerProjectId', {
    type: 'String',
    description: 'Id of the SageMaker project',
    allowedPattern: '^[a-z0-9-]{1,20}$',
    maxLength: 20,
  }).valueAsString;
  const serverUrl = new CfnParameter(stack, 'GitLabServerUrl', {
    type: 'String',
    description: 'GitLab server (fixed by the portfolio: the OIDC trust names this host)',
    default: options.gitlabUrl,
    allowedValues: [options.gitlabUrl],
  }).valueAsString;
  const groupPath = new CfnParameter(stack, LAUNCH_PARAMETERS.GROUP_PATH, {
    type: 'String',
    description: 'GitLab group (namespace full path) for the two repositories, e.g. ml/team-a',
    ...(options.allowedGroupPaths.length > 0
      ? {
          allowedValues: [...options.allowedGroupPaths],
          constraintDescription: `must be one of the groups the portfolio administrator allows (gitlabMlops.allowedGroupPaths): ${options.allowedGroupPaths.join(', ')}`,
        }
      : { allowedPattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9_]$' }),
    ...(options.defaultGroupPath ? { default: options.defaultGroupPath } : {}),
  }).valueAsString;
  const buildRepoParam = new CfnParameter(stack, 'ModelBuildRepositoryName', {
    type: 'String',
    description: 'Name of the model-build repository; empty means <project name>-model-build',
    default: '',
    allowedPattern: '^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
  });
  const deployRepoParam = new CfnParameter(stack, 'ModelDeployRepositoryName', {
    type: 'String',
    description: 'Name of the model-deploy repository; empty means <project name>-model-deploy',
    default: '',
    allowedPattern: '^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
  });
  // The secret decides what the functions can do in GitLab: the administrator's list, never free text.
  const tokenSecretName = new CfnParameter(stack, LAUNCH_PARAMETERS.TOKEN_SECRET_NAME, {
    type: 'String',
    description: 'Secrets Manager secret holding the GitLab token (one the portfolio administrator allows)',
    default: options.tokenSecretName,
    allowedValues: [...options.allowedTokenSecretNames],
    constraintDescription: `must be one of the secrets the portfolio administrator allows (gitlabMlops.allowedTokenSecretNames): ${options.allowedTokenSecretNames.join(', ')}`,
  }).valueAsString;
  stack.templateOptions.metadata = {
    'AWS::CloudFormation::Interface': {
      ParameterGroups: [
        { Label: { default: 'GitLab' }, Parameters: ['GitLabServerUrl', 'GitLabGroupPath', 'GitLabTokenSecretName'] },
        { Label: { default: 'Repositories' }, Parameters: ['ModelBuildRepositoryName', 'ModelDeployRepositoryName'] },
      ],
    },
  };
  const repoName = (param: CfnParameter, suffix: string) => {
    const empty = new CfnCondition(stack, `${param.node.id}IsEmpty`, {
      expression: Fn.conditionEquals(param.valueAsString, ''),
    });
    return Fn.conditionIf(empty.logicalId, Fn.join('-', [projectName, suffix]), param.valueAsString).toString();
  };
  return {
    projectName,
    projectId,
    serverUrl,
    groupPath,
    buildRepo: repoName(buildRepoParam, 'model-build'),
    deployRepo: repoName(deployRepoParam, 'model-deploy'),
    tokenSecretName,
  };
}
