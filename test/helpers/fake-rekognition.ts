import { type CustomLabel } from '../../lambdas/custom-labels-assist/core/boxes';

/** An error as Step Functions names a failed SDK integration call (`Rekognition.<Name>`). */
export function serviceError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = `Rekognition.${name}`;
  return error;
}

/** One model version of the fake project. */
export interface FakeVersion {
  Status: string;
  MinInferenceUnits?: number;
  F1?: number;
  /** Describes that answer the transitional status before the next one (STARTING → RUNNING, …). */
  polls?: number;
}

/** A dataset of the fake project. */
export interface FakeDataset {
  DatasetArn: string;
  DatasetType: 'TRAIN' | 'TEST';
  Status: string;
  /** Describes that answer `*_IN_PROGRESS` first. */
  polls: number;
  entries: string[];
}

/**
 * A small stand-in for Rekognition Custom Labels, answering the SDK integration states of the synthesized state
 * machine by name: model versions that start and stop (with transitional statuses for a few describes),
 * DetectCustomLabels per image (ratio boxes, or an error), datasets created from a manifest or updated, and training
 * that ends with an F1 score. Every call is recorded in order.
 */
export class FakeRekognition {
  public readonly calls: string[] = [];
  public readonly versions = new Map<string, FakeVersion>();
  public readonly datasets: FakeDataset[] = [];
  /** Labels per image key; an Error is thrown for that image. */
  public readonly detections = new Map<string, CustomLabel[] | Error>();
  public readonly detectRequests: Record<string, unknown>[] = [];
  /** Manifest S3 URIs datasets were created from. */
  public readonly createdFrom: string[] = [];
  public trainingPolls = 1;
  public trainedF1 = 0.91;

  constructor(
    public readonly projectArn: string,
    public readonly projectName: string,
    private readonly readObject: (bucket: string, key: string) => Promise<string>,
  ) {}

  /** The model version ARN of a version name. */
  public versionArn(name: string): string {
    return `arn:aws:rekognition:us-east-1:123456789012:project/${this.projectName}/version/${name}/1700000000001`;
  }

  private versionOf(arn: string): [string, FakeVersion] {
    const name = /\/version\/([^/]+)\//.exec(arn)?.[1] ?? '';
    const version = this.versions.get(name);
    if (!version) throw serviceError('ResourceNotFoundException', `No version ${arn}`);
    return [name, version];
  }

  private describeVersion(name: string, v: FakeVersion) {
    if ((v.polls ?? 0) > 0) v.polls! -= 1;
    else if (v.Status === 'STARTING') v.Status = 'RUNNING';
    else if (v.Status === 'STOPPING') v.Status = 'STOPPED';
    else if (v.Status === 'TRAINING_IN_PROGRESS') v.Status = 'TRAINING_COMPLETED';
    return {
      ProjectVersionArn: this.versionArn(name),
      Status: v.Status,
      MinInferenceUnits: v.MinInferenceUnits,
      ...(v.F1 !== undefined && v.Status !== 'TRAINING_IN_PROGRESS' ? { EvaluationResult: { F1Score: v.F1 } } : {}),
    };
  }

  public readonly describeVersions = async (input: { ProjectArn: string; VersionNames?: string[] }) => {
    await Promise.resolve();
    this.calls.push(`describe ${input.VersionNames?.join(',') ?? '*'}`);
    if (input.ProjectArn !== this.projectArn) throw serviceError('ResourceNotFoundException', 'No such project');
    const names = input.VersionNames ?? [...this.versions.keys()];
    return {
      ProjectVersionDescriptions: names.flatMap((n) => {
        const v = this.versions.get(n);
        return v ? [this.describeVersion(n, v)] : [];
      }),
    };
  };

  public readonly start = async (input: { ProjectVersionArn: string; MinInferenceUnits: number }) => {
    await Promise.resolve();
    const [name, v] = this.versionOf(input.ProjectVersionArn);
    this.calls.push(`start ${name} units=${input.MinInferenceUnits}`);
    if (v.Status !== 'STOPPED' && v.Status !== 'TRAINING_COMPLETED') throw serviceError('ResourceInUseException');
    Object.assign(v, { Status: 'STARTING', polls: 1, MinInferenceUnits: input.MinInferenceUnits });
    return { Status: 'STARTING' };
  };

  public readonly stop = async (input: { ProjectVersionArn: string }) => {
    await Promise.resolve();
    const [name, v] = this.versionOf(input.ProjectVersionArn);
    this.calls.push(`stop ${name}`);
    if (v.Status !== 'RUNNING' && v.Status !== 'STARTING') throw serviceError('ResourceInUseException');
    Object.assign(v, { Status: 'STOPPING', polls: 0 });
    return { Status: 'STOPPING' };
  };

  public readonly detect = async (input: { ProjectVersionArn: string; Image: { S3Object: { Name: string } } }) => {
    await Promise.resolve();
    this.detectRequests.push(input);
    const [name, v] = this.versionOf(input.ProjectVersionArn);
    this.calls.push(`detect ${input.Image.S3Object.Name}`);
    if (v.Status !== 'RUNNING') throw serviceError('ResourceNotReadyException', `${name} is ${v.Status}`);
    const answer = this.detections.get(input.Image.S3Object.Name) ?? [];
    if (answer instanceof Error) throw answer;
    return { CustomLabels: answer };
  };

  /** `DescribeProjects` as the build-manifest Lambda's SDK client sees it; `Datasets` is absent before the first one. */
  public readonly describeProjects = async (input: { ProjectNames?: string[] }) => {
    await Promise.resolve();
    this.calls.push(`describeProjects ${input.ProjectNames?.join(',') ?? '*'}`);
    if (input.ProjectNames && !input.ProjectNames.includes(this.projectName)) return { ProjectDescriptions: [] };
    const datasets = this.datasets.map(({ DatasetArn, DatasetType, Status }) => ({ DatasetArn, DatasetType, Status }));
    return {
      ProjectDescriptions: [
        { ProjectArn: this.projectArn, Status: 'CREATED', ...(datasets.length > 0 ? { Datasets: datasets } : {}) },
      ],
    };
  };

  public readonly createDataset = async (input: {
    DatasetType: 'TRAIN' | 'TEST';
    DatasetSource?: { GroundTruthManifest: { S3Object: { Bucket: string; Name: string } } };
  }) => {
    const source = input.DatasetSource?.GroundTruthManifest.S3Object;
    this.calls.push(`createDataset ${input.DatasetType}${source ? ` from s3://${source.Bucket}/${source.Name}` : ''}`);
    const entries = source ? (await this.readObject(source.Bucket, source.Name)).split('\n').filter(Boolean) : [];
    if (source) this.createdFrom.push(`s3://${source.Bucket}/${source.Name}`);
    const dataset: FakeDataset = {
      DatasetArn: `${this.projectArn.replace(/\/\d+$/, '')}/dataset/${input.DatasetType.toLowerCase()}/${1700000000100 + this.datasets.length}`,
      DatasetType: input.DatasetType,
      Status: 'CREATE_IN_PROGRESS',
      polls: 1,
      entries,
    };
    this.datasets.push(dataset);
    return { DatasetArn: dataset.DatasetArn };
  };

  private dataset(arn: string): FakeDataset {
    const d = this.datasets.find((x) => x.DatasetArn === arn);
    if (!d) throw serviceError('ResourceNotFoundException', `No dataset ${arn}`);
    return d;
  }

  public readonly describeDataset = async (input: { DatasetArn: string }) => {
    await Promise.resolve();
    const d = this.dataset(input.DatasetArn);
    this.calls.push(`describeDataset ${d.DatasetType}`);
    if (d.polls > 0) d.polls -= 1;
    else d.Status = d.Status.replace('_IN_PROGRESS', '_COMPLETE');
    return { DatasetDescription: { Status: d.Status } };
  };

  /** `UpdateDatasetEntries` as the update-dataset Lambda's SDK client sees it (installed through aws-sdk-client-mock). */
  public updateEntries(input: { DatasetArn?: string; Changes?: { GroundTruth?: Uint8Array } }): Record<string, never> {
    const d = this.dataset(input.DatasetArn ?? '');
    this.calls.push(`updateEntries ${d.DatasetType}`);
    if (d.Status.endsWith('_IN_PROGRESS')) {
      // Time passes between the retries too: the other change ends after `polls` calls.
      if (d.polls > 0) d.polls -= 1;
      else d.Status = d.Status.replace('_IN_PROGRESS', '_COMPLETE');
      throw Object.assign(new Error('busy'), { name: 'ResourceInUseException' });
    }
    d.entries.push(
      ...Buffer.from(input.Changes?.GroundTruth ?? [])
        .toString('utf8')
        .split('\n')
        .filter(Boolean),
    );
    Object.assign(d, { Status: 'UPDATE_IN_PROGRESS', polls: 1 });
    return {};
  }

  public readonly distribute = async (input: { Datasets: { Arn: string }[] }) => {
    await Promise.resolve();
    this.calls.push(`distribute ${input.Datasets.map((d) => this.dataset(d.Arn).DatasetType).join(',')}`);
    const [train, test] = input.Datasets.map((d) => this.dataset(d.Arn));
    test!.entries.push(...train!.entries.splice(0, Math.ceil(train!.entries.length / 5)));
    for (const d of [train!, test!]) Object.assign(d, { Status: 'UPDATE_IN_PROGRESS', polls: 0 });
    return {};
  };

  public readonly createVersion = async (input: {
    VersionName: string;
    OutputConfig: { S3Bucket: string; S3KeyPrefix: string };
  }) => {
    await Promise.resolve();
    this.calls.push(
      `train ${input.VersionName} → s3://${input.OutputConfig.S3Bucket}/${input.OutputConfig.S3KeyPrefix}`,
    );
    if (this.versions.has(input.VersionName)) throw serviceError('ResourceInUseException');
    this.versions.set(input.VersionName, {
      Status: 'TRAINING_IN_PROGRESS',
      polls: this.trainingPolls,
      F1: this.trainedF1,
    });
    return { ProjectVersionArn: this.versionArn(input.VersionName) };
  };
}
