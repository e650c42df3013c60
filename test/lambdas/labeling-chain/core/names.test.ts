import fc from 'fast-check';
import {
  chainBaseName,
  childJobName,
  JOB_NAME_PATTERN,
  jobNameProblems,
  labelAttributeNameProblems,
} from '../../../../lambdas/labeling-chain/core/names';
import { builtInTaskType, parseBuiltInLambdaArn } from '../../../../lambdas/labeling-chain/core/task-types';
import { validateChainRequest } from '../../../../lambdas/labeling-chain/core/request';

describe('labeling-chain names and request validation', () => {
  it('accepts valid job names and rejects invalid ones', () => {
    expect(jobNameProblems('pets-2026-11')).toEqual([]);
    expect(jobNameProblems('a'.repeat(64))).toEqual(['job name "' + 'a'.repeat(64) + '" must have 1 to 63 characters']);
    expect(jobNameProblems('-bad')[0]).toMatch(/only letters, digits and hyphens/);
    expect(jobNameProblems('under_score')[0]).toMatch(/only letters/);
  });

  it('applies the label attribute name rules', () => {
    const row = (name: string) => builtInTaskType(name)!;
    expect(labelAttributeNameProblems('animal', row('ImageMultiClass'))).toEqual([]);
    expect(labelAttributeNameProblems('animal-metadata')).toEqual([
      'label attribute name "animal-metadata" must not end with "-metadata"',
    ]);
    expect(labelAttributeNameProblems('source-ref')).toEqual([
      'label attribute name "source-ref" is reserved for the data object',
    ]);
    expect(labelAttributeNameProblems('masks', row('SemanticSegmentation'))).toEqual([
      'label attribute name "masks" must end with "-ref": Semantic segmentation (SemanticSegmentation) stores each label in a file the attribute refers to',
    ]);
    expect(labelAttributeNameProblems('masks-ref', row('SemanticSegmentation'))).toEqual([]);
    expect(labelAttributeNameProblems('boxes-ref', row('BoundingBox'))[0]).toMatch(/must not end with "-ref"/);
    expect(labelAttributeNameProblems('a'.repeat(128))[0]).toMatch(/1 to 127 characters/);
  });

  it('parses built-in task Lambda ARNs and ignores custom ones', () => {
    expect(parseBuiltInLambdaArn('arn:aws:lambda:eu-west-1:568282634449:function:ACS-BoundingBox')).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: '568282634449',
      kind: 'ACS',
      taskType: 'BoundingBox',
    });
    expect(parseBuiltInLambdaArn('arn:aws:lambda:eu-west-1:111122223333:function:my-pre-annotation')).toBeUndefined();
  });

  it('derives deterministic child names that strip earlier chain suffixes', () => {
    const first = childJobName('pets-2026-11', 1, 'arn:aws:sagemaker:us-east-1:1:labeling-job/pets-2026-11', 'animal');
    expect(first).toMatch(/^pets-2026-11-chain-1-[0-9a-f]{6}$/);
    expect(childJobName('pets-2026-11', 1, 'arn:aws:sagemaker:us-east-1:1:labeling-job/pets-2026-11', 'animal')).toBe(
      first,
    );
    expect(
      childJobName('pets-2026-11', 1, 'arn:aws:sagemaker:us-east-1:1:labeling-job/pets-2026-11', 'animal-v2'),
    ).not.toBe(first);
    expect(chainBaseName(first)).toBe('pets-2026-11');
    expect(childJobName(first, 2, 'arn:x', 'animal')).toMatch(/^pets-2026-11-chain-2-[0-9a-f]{6}$/);
  });

  it('property: child names are always valid job names', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/),
        fc.integer({ min: 1, max: 10 }),
        fc.string(),
        (base, index, arn) => {
          const name = childJobName(base, index, arn, 'lab');
          expect(name.length).toBeLessThanOrEqual(63);
          expect(JOB_NAME_PATTERN.test(name)).toBe(true);
        },
      ),
    );
  });

  it('validates a chain request and lists every problem', () => {
    expect(validateChainRequest({ jobName: 'pets' }, 3)).toEqual({
      jobName: 'pets',
      mode: 'continue',
      overrides: {},
      trigger: 'manual',
      maxChainLength: 3,
    });
    expect(() =>
      validateChainRequest(
        {
          jobName: 'pets',
          mode: 'relabel',
          maxChainLength: 5,
          overrides: { maxConcurrentTaskCount: 5000, numberOfHumanWorkersPerDataObject: 10, colour: 'red' },
        },
        3,
      ),
    ).toThrow(
      'Invalid chain request: overrides.maxConcurrentTaskCount: received 5000; Too big: expected number to be <=1000; overrides.numberOfHumanWorkersPerDataObject: received 10; Too big: expected number to be <=9; overrides: unknown key(s) colour',
    );
    expect(() => validateChainRequest({ jobName: 'pets', mode: 'relabel', maxChainLength: 5 }, 3)).toThrow(
      'Invalid chain request: mode "relabel" needs labelAttributeName: the new attribute that every object gets; maxChainLength 5 exceeds the deployed limit 3 (configuration labelingChain.maxChainLength)',
    );
    expect(() => validateChainRequest({ jobName: 'bad name!' })).toThrow(/only letters, digits and hyphens/);
    expect(() => validateChainRequest({ mode: 'continue' })).toThrow(
      'jobName: received (missing); expected the name of a labeling job',
    );
    expect(() =>
      validateChainRequest({ jobName: 'a', overrides: { taskAvailabilityLifetimeInSeconds: 900_000 } }),
    ).toThrow(/taskAvailabilityLifetimeInSeconds: received 900000/);
  });
});
