import { Match } from 'aws-cdk-lib/assertions';
import { realApp, stackOf, templateOf } from '../../../helpers/app';

describe('Custom Labels assist ReleaseModel (template)', () => {
  const stack = stackOf(realApp({}), 'Mlw-CustomLabelsAssist');
  const template = templateOf(stack);
  const roles = template.findResources('AWS::IAM::Role');
  const role = Object.keys(roles).find((id) => id.startsWith('AssistReleaseModelRole'))!;

  it('may stop only this project’s model versions, and read, hand over and delete usage records', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'rekognition:StopProjectVersion',
            Resource: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/version/\\*$')])]),
            }),
          }),
        ]),
      },
    });
  });

  it('asks Step Functions about this state machine’s executions through a policy of its own (no dependency cycle)', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: [Match.objectLike({ Action: 'states:DescribeExecution' })] } },
    });
    const own = Object.entries(policies).filter(([, p]) => JSON.stringify(p).includes(`"Ref":"${role}"`));
    expect(own.map(([id]) => id)).toEqual([expect.stringMatching(/^AssistReleaseModelDescribeExecutions/)]);
    expect(JSON.stringify(own[0]![1])).toContain('AssistStateMachine');
  });
});
