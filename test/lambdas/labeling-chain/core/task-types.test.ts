import {
  BUILT_IN_TASK_LAMBDA_ACCOUNTS,
  BUILT_IN_TASK_LAMBDA_REGIONS,
  GROUND_TRUTH_TASK_TYPES,
} from '../../../../lambdas/labeling-chain/contract';
import { labelAttributeNameProblems } from '../../../../lambdas/labeling-chain/core/names';
import {
  CUSTOM_TASK_TYPE,
  builtInTaskType,
  parseBuiltInLambdaArn,
  taskTypeOfJob,
} from '../../../../lambdas/labeling-chain/core/task-types';

const arn = (kind: 'PRE' | 'ACS', name: string, region = 'us-east-1') =>
  `arn:aws:lambda:${region}:${BUILT_IN_TASK_LAMBDA_ACCOUNTS[region]}:function:${kind}-${name}`;

describe('the Ground Truth task-type table', () => {
  it('lists every documented task type once, with the custom row last', () => {
    const names = GROUND_TRUTH_TASK_TYPES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'ImageMultiClass',
        'ImageMultiClassMultiLabel',
        'BoundingBox',
        'SemanticSegmentation',
        'VerificationBoundingBox',
        'VerificationSemanticSegmentation',
        'AdjustmentBoundingBox',
        'AdjustmentSemanticSegmentation',
        'TextMultiClass',
        'TextMultiClassMultiLabel',
        'NamedEntityRecognition',
        'VideoMultiClass',
        'VideoObjectDetection',
        'VideoObjectTracking',
        'AdjustmentVideoObjectDetection',
        'AdjustmentVideoObjectTracking',
        '3DPointCloudObjectDetection',
        '3DPointCloudObjectTracking',
        '3DPointCloudSemanticSegmentation',
        'Adjustment3DPointCloudObjectDetection',
        'Adjustment3DPointCloudObjectTracking',
        'Adjustment3DPointCloudSemanticSegmentation',
      ]),
    );
    expect(names.at(-1)).toBe('Custom');
    expect(BUILT_IN_TASK_LAMBDA_REGIONS).toHaveLength(12);
  });

  it('ties the -ref rule to how labels are stored: by reference needs -ref, inline forbids it', () => {
    for (const row of GROUND_TRUTH_TASK_TYPES) {
      const expected = { reference: 'required', inline: 'forbidden', either: 'any' }[row.labels];
      expect({ name: row.name, refSuffix: row.refSuffix }).toEqual({ name: row.name, refSuffix: expected });
    }
    const refs = GROUND_TRUTH_TASK_TYPES.filter((t) => t.refSuffix === 'required').map((t) => t.name);
    expect(refs.sort()).toEqual(
      [
        '3DPointCloudObjectTracking',
        '3DPointCloudSemanticSegmentation',
        'Adjustment3DPointCloudObjectTracking',
        'Adjustment3DPointCloudSemanticSegmentation',
        'AdjustmentSemanticSegmentation',
        'AdjustmentVideoObjectDetection',
        'AdjustmentVideoObjectTracking',
        'SemanticSegmentation',
        'VideoObjectDetection',
        'VideoObjectTracking',
      ].sort(),
    );
  });

  it('allows automated data labeling for the four task types with a built-in algorithm only', () => {
    expect(
      Object.fromEntries(GROUND_TRUTH_TASK_TYPES.filter((t) => t.autoLabeling).map((t) => [t.name, t.autoLabeling])),
    ).toEqual({
      ImageMultiClass: 'image-classification',
      BoundingBox: 'object-detection',
      SemanticSegmentation: 'semantic-segmentation',
      TextMultiClass: 'text-classification',
    });
  });

  it('gives video frame and 3D point cloud jobs the 30-day task time limit, the others 8 hours', () => {
    for (const row of GROUND_TRUTH_TASK_TYPES) {
      const long = row.modality === 'video-frame' || row.modality === '3d-point-cloud';
      expect([row.name, row.maxTaskTimeLimitSeconds]).toEqual([row.name, long ? 2_592_000 : 28_800]);
    }
  });

  it('finds the task type of a job from its built-in Lambdas, in every Region; anything else is custom', () => {
    for (const region of BUILT_IN_TASK_LAMBDA_REGIONS) {
      expect(taskTypeOfJob({ PreHumanTaskLambdaArn: arn('PRE', 'VideoObjectDetection', region) }).name).toBe(
        'VideoObjectDetection',
      );
    }
    expect(
      taskTypeOfJob({
        AnnotationConsolidationConfig: { AnnotationConsolidationLambdaArn: arn('ACS', '3DPointCloudObjectTracking') },
      }).name,
    ).toBe('3DPointCloudObjectTracking');
    expect(taskTypeOfJob({ PreHumanTaskLambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:PRE-Mine' })).toBe(
      CUSTOM_TASK_TYPE,
    );
    // A name the table does not know, even in Ground Truth's account, is treated as custom (no rule is guessed).
    expect(parseBuiltInLambdaArn(arn('PRE', 'FutureTaskType'))).toBeUndefined();
  });

  it('applies each row’s -ref rule to label attribute names (video frame, 3D point cloud, segmentation)', () => {
    const problems = (name: string, type: string) => labelAttributeNameProblems(name, builtInTaskType(type));
    expect(problems('CarObjectDetection-ref', 'VideoObjectDetection')).toEqual([]);
    expect(problems('tracks-ref', '3DPointCloudObjectTracking')).toEqual([]);
    expect(problems('cuboids', '3DPointCloudObjectDetection')).toEqual([]);
    expect(problems('cuboids-ref', '3DPointCloudObjectDetection')[0]).toMatch(/must not end with "-ref"/);
    expect(problems('verdict', 'VerificationSemanticSegmentation')).toEqual([]);
    expect(problems('frames', 'VideoObjectTracking')[0]).toMatch(/must end with "-ref": Video frame object tracking/);
    expect(labelAttributeNameProblems('anything-ref', CUSTOM_TASK_TYPE)).toEqual([]);
    expect(labelAttributeNameProblems('anything', CUSTOM_TASK_TYPE)).toEqual([]);
  });
});
