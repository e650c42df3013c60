import { DescribeProjectsCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { projectNameOf } from '../core/model-versions';

/** The training and test dataset ARNs of a Custom Labels project (absent when the project has none of that type). */
export interface ProjectDatasets {
  readonly trainDatasetArn?: string;
  readonly testDatasetArn?: string;
}

/**
 * The project's datasets (`DescribeProjects` with the project's name; `Datasets` is absent or empty before the first
 * `CreateDataset`). Read in a function rather than with a JSONPath filter in the state machine: a filter's answer with
 * no match (or one) differs between JSONPath implementations, an absent list would fail the state.
 *
 * @throws Error when the project ARN is malformed or the project does not exist.
 */
export async function projectDatasets(client: RekognitionClient, projectArn: string): Promise<ProjectDatasets> {
  const name = projectNameOf(projectArn);
  if (!name) throw new Error(`${projectArn} is not a Custom Labels project ARN`);
  const answer = await client.send(new DescribeProjectsCommand({ ProjectNames: [name] }));
  const project = answer.ProjectDescriptions?.find((p) => p.ProjectArn === projectArn);
  if (!project) throw new Error(`Project ${projectArn} was not found`);
  const arnOf = (type: 'TRAIN' | 'TEST') => project.Datasets?.find((d) => d.DatasetType === type)?.DatasetArn;
  const train = arnOf('TRAIN');
  const test = arnOf('TEST');
  return { ...(train ? { trainDatasetArn: train } : {}), ...(test ? { testDatasetArn: test } : {}) };
}
