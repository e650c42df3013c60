import { Match } from 'aws-cdk-lib/assertions';
import { realApp, stackOf, templateOf } from '../helpers/app';

describe('classifier retraining stack', () => {
  it('synthesizes', () => {
    const stack = stackOf(realApp(), 'Mlw-ClassifierRetraining');
    const template = templateOf(stack);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(Match).toBeDefined();
  });
});
