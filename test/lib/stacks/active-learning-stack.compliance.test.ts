import { type App, Stack } from 'aws-cdk-lib';
import { ActiveLearningLoop } from '../../../lib/constructs/active-learning';
import { ActiveLearningStack } from '../../../lib/stacks/active-learning-stack';
import { parseConfig } from '../../../lib/config';
import { validationFindings } from '../../helpers/validation';

/** cdk-nag, cfn-guard and the CloudFormation schemas over the active-learning stack alone, in its variants. */
function violations(build: (app: App) => void): string[] {
  return validationFindings(build, 'mlw-al-nag-');
}

describe('active-learning compliance (cdk-nag AwsSolutions + Serverless, CloudFormation schemas)', () => {
  it('the stack with the A2I back end has no unacknowledged finding (the portal default is covered by the app-wide compliance test)', () => {
    expect(
      violations(
        (app) =>
          new ActiveLearningStack(app, 'Mlw-ActiveLearning', {
            config: parseConfig({ 'activeLearning.review': 'a2i' }).activeLearning,
          }),
      ),
    ).toEqual([]);
  });

  it('the variants (CORS, existing workteam, endpoint ARN, created classifier) have none either', () => {
    expect(
      violations((app) => {
        const stack = new Stack(app, 'Variants');
        new ActiveLearningLoop(stack, 'Cors', {
          api: { allowedOrigins: ['https://app.example.com'] },
          a2i: { workteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers' },
          classifier: {
            mode: 'endpoint-arn',
            endpointArn: 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier-endpoint/intents',
          },
        });
        new ActiveLearningLoop(stack, 'Created', {
          classifier: { mode: 'create', trainingDataUri: 's3://training-bucket/intents/train.csv', inferenceUnits: 2 },
          a2i: { workteamArn: 'arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/reviewers' },
        });
      }),
    ).toEqual([]);
  });
});
