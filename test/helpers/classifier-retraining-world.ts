import {
  ComprehendClient,
  DeleteDocumentClassifierCommand,
  ListDocumentClassifiersCommand,
  ListEndpointsCommand,
} from '@aws-sdk/client-comprehend';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ENDPOINT_PLACEHOLDER } from '../../lambdas/active-learning/contract';
import { RT_STATES, RUN_TABLE } from '../../lambdas/classifier-retraining/contract';
import { RENDER_ACCOUNT, RENDER_REGION } from './state-machine';

/** An error as Step Functions names a service error (`Comprehend.ResourceInUseException`). */
export function serviceError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Create the run table in dynalite with the construct's key schema (partition `classifier`, sort `item`). */
export async function createRunTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: RUN_TABLE.PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: RUN_TABLE.SORT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: RUN_TABLE.PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: RUN_TABLE.SORT_KEY, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** How a created version trains. */
export interface TrainingScript {
  readonly status: 'TRAINED' | 'IN_ERROR' | 'STOPPED';
  /** `DescribeDocumentClassifier` calls answering TRAINING first. @default 1 */
  readonly polls?: number;
  readonly metrics?: Record<string, number>;
  readonly message?: string;
}

type Handler = (input: never) => Promise<unknown>;

/** Task calls one scenario may make before the world calls it a runaway loop. */
const MAX_CALLS = 300;

const ARN_PREFIX = `arn:aws:comprehend:${RENDER_REGION}:${RENDER_ACCOUNT}`;

/**
 * A small stand-in for Comprehend, SSM, Step Functions' DescribeExecution and EventBridge, plus the real run table in
 * dynalite: the local handlers of every task state of the retraining state machine. Every call is logged in `calls`.
 */
export class RetrainingWorld {
  public readonly calls: string[] = [];
  public readonly versions = new Map<string, Record<string, unknown>>();
  public readonly endpoints = new Map<string, Record<string, unknown>>();
  public readonly events: Record<string, unknown>[] = [];
  public readonly executions = new Map<string, string>();
  public parameter = ENDPOINT_PLACEHOLDER;
  /** Scripts for the versions created next, in order. */
  public scripts: TrainingScript[] = [];
  /** `UpdateEndpoint` answers ResourceInUseException this many times first. */
  public endpointBusy = 0;
  /** `DescribeEndpoint` answers UPDATING/CREATING this many times after a change. */
  public endpointPolls = 1;
  /** Flywheel iterations: metrics of the trained and of the active model. */
  public iteration: { trained: Record<string, number>; evaluated: Record<string, number> } | undefined;
  public activeModel: string | undefined;
  public datasets: Record<string, unknown>[] = [];
  private readonly pendingVersions = new Map<string, { script: TrainingScript; polls: number }>();
  private readonly pendingEndpoints = new Map<string, number>();
  private readonly comprehendMock = mockClient(ComprehendClient);

  constructor(
    private readonly dynamo: DynamoDBClient,
    public readonly tableName: string,
  ) {}

  /** A fresh run table. */
  public async resetTable(): Promise<void> {
    await this.dynamo.send(new DeleteTableCommand({ TableName: this.tableName })).catch(() => undefined);
    await createRunTable(this.dynamo, this.tableName);
  }

  /** An existing version (a model trained earlier). */
  public addVersion(name: string, version: string, metrics: Record<string, number>): string {
    const arn = `${ARN_PREFIX}:document-classifier/${name}/version/${version}`;
    this.versions.set(arn, {
      DocumentClassifierArn: arn,
      VersionName: version,
      Status: 'TRAINED',
      SubmitTime: new Date(Date.UTC(2026, 0, this.versions.size + 1)),
      ClassifierMetadata: { EvaluationMetrics: metrics, NumberOfTestDocuments: 30 },
    });
    return arn;
  }

  /** An endpoint in service with a model, named by the SSM parameter. */
  public addEndpoint(name: string, modelArn: string): string {
    const arn = `${ARN_PREFIX}:document-classifier-endpoint/${name}`;
    this.endpoints.set(arn, { EndpointArn: arn, ModelArn: modelArn, Status: 'IN_SERVICE', DesiredInferenceUnits: 1 });
    this.parameter = arn;
    return arn;
  }

  public restore(): void {
    this.comprehendMock.restore();
  }

  private dynamoCall(name: string, Command: new (input: never) => { input: unknown }): Handler {
    return async (input: never) => {
      this.calls.push(name);
      try {
        return await this.dynamo.send(new Command(input) as never);
      } catch (error) {
        throw serviceError(`DynamoDB.${(error as Error).name}`, (error as Error).message);
      }
    };
  }

  private describeVersion = (arn: string): Record<string, unknown> => {
    const version = this.versions.get(arn);
    if (!version) throw serviceError('Comprehend.ResourceNotFoundException', `No classifier ${arn}`);
    const pending = this.pendingVersions.get(arn);
    if (pending) {
      if (pending.polls > 0) {
        pending.polls -= 1;
        return { DocumentClassifierProperties: { ...version, Status: 'TRAINING' } };
      }
      this.pendingVersions.delete(arn);
      version.Status = pending.script.status;
      if (pending.script.message) version.Message = pending.script.message;
      if (pending.script.metrics) version.ClassifierMetadata = { EvaluationMetrics: pending.script.metrics };
    }
    return { DocumentClassifierProperties: structuredClone(version) };
  };

  private describeEndpoint = (arn: string): Record<string, unknown> => {
    const endpoint = this.endpoints.get(arn);
    if (!endpoint) throw serviceError('Comprehend.ResourceNotFoundException', `No endpoint ${arn}`);
    const polls = this.pendingEndpoints.get(arn) ?? 0;
    if (polls > 0) {
      this.pendingEndpoints.set(arn, polls - 1);
      return { EndpointProperties: { ...endpoint, Status: endpoint.ModelArn ? 'UPDATING' : 'CREATING' } };
    }
    if (endpoint.DesiredModelArn) {
      endpoint.ModelArn = endpoint.DesiredModelArn;
      delete endpoint.DesiredModelArn;
    }
    endpoint.Status = 'IN_SERVICE';
    return { EndpointProperties: structuredClone(endpoint) };
  };

  /** Local handlers keyed by state name. `prepare`/`evaluate`/`cleanUp` are the real handlers. */
  public handlers(lambdas: { prepare: Handler; evaluate: Handler; cleanUp: Handler }): Record<string, Handler> {
    const log = (name: string) => this.calls.push(name);
    this.comprehendMock.on(ListDocumentClassifiersCommand).callsFake(() => ({
      DocumentClassifierPropertiesList: [...this.versions.values()],
    }));
    this.comprehendMock.on(ListEndpointsCommand).callsFake(() => ({
      EndpointPropertiesList: [...this.endpoints.values()],
    }));
    this.comprehendMock.on(DeleteDocumentClassifierCommand).callsFake((input: { DocumentClassifierArn: string }) => {
      this.calls.push(`DeleteDocumentClassifier ${input.DocumentClassifierArn.split('/').pop()}`);
      this.versions.delete(input.DocumentClassifierArn);
      return {};
    });
    const dynamo = {
      AcquireLock: this.dynamoCall('AcquireLock', PutItemCommand),
      TakeOverLock: this.dynamoCall('TakeOverLock', PutItemCommand),
      ReadLock: this.dynamoCall('ReadLock', GetItemCommand),
      ReadBaseline: this.dynamoCall('ReadBaseline', GetItemCommand),
      ReadPromotedModel: this.dynamoCall('ReadPromotedModel', GetItemCommand),
      ApproveRun: this.dynamoCall('ApproveRun', UpdateItemCommand),
      AwaitApproval: this.dynamoCall('AwaitApproval', UpdateItemCommand),
      RecordPromotion: this.dynamoCall('RecordPromotion', UpdateItemCommand),
      RecordIngestedDataset: this.dynamoCall('RecordIngestedDataset', PutItemCommand),
      RejectRun: this.dynamoCall('RejectRun', DeleteItemCommand),
    };
    const releases = Object.fromEntries(
      ['ReleaseLockAfterFailure', 'ReleaseLockPromoted', 'ReleaseLockKeptCurrentModel', 'ReleaseLockNotEnoughData'].map(
        (name) => [name, this.dynamoCall(name, DeleteItemCommand)],
      ),
    );
    const notify = Object.fromEntries(
      [
        'NotifyFailure',
        'NotifyPromoted',
        'NotifyKeptCurrentModel',
        'NotifyNotEnoughData',
        'NotifyAwaitingApproval',
        'NotifyRejected',
      ].map((name) => [
        name,
        async (input: { Entries: { Detail: string | object; Source: string; DetailType: string }[] }) => {
          log(name);
          // Step Functions' EventBridge integration takes Detail as a JSON object (it serializes it) or a string.
          for (const entry of input.Entries)
            this.events.push({
              source: entry.Source,
              detailType: entry.DetailType,
              detail: typeof entry.Detail === 'string' ? (JSON.parse(entry.Detail) as unknown) : entry.Detail,
            });
          return { Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 };
        },
      ]),
    );
    const handlers: Record<string, Handler> = {
      ...dynamo,
      ...releases,
      ...notify,
      DescribeLockHolder: async (input: { ExecutionArn: string }) => {
        log('DescribeLockHolder');
        return { Status: this.executions.get(input.ExecutionArn) ?? 'SUCCEEDED' };
      },
      ReadEndpointParameter: async () => {
        log('ReadEndpointParameter');
        return { Parameter: { Value: this.parameter } };
      },
      WriteEndpointParameter: async (input: { Value: string; Overwrite: boolean }) => {
        log('WriteEndpointParameter');
        expect(input.Overwrite).toBe(true);
        this.parameter = input.Value;
        return {};
      },
      DescribeCurrentEndpoint: async (input: { EndpointArn: string }) => {
        log('DescribeCurrentEndpoint');
        return this.describeEndpoint(input.EndpointArn);
      },
      DescribeDeployedEndpoint: async (input: { EndpointArn: string }) => {
        log('DescribeDeployedEndpoint');
        return this.describeEndpoint(input.EndpointArn);
      },
      CreateDocumentClassifier: async (input: Record<string, unknown>) => {
        log('CreateDocumentClassifier');
        const arn = `${ARN_PREFIX}:document-classifier/${String(input.DocumentClassifierName)}/version/${String(input.VersionName)}`;
        if (this.versions.has(arn)) throw serviceError('Comprehend.ResourceInUseException', `${arn} exists`);
        const script = this.scripts.shift() ?? { status: 'TRAINED', metrics: { F1Score: 0.9 } };
        this.versions.set(arn, {
          DocumentClassifierArn: arn,
          VersionName: input.VersionName,
          Status: 'SUBMITTED',
          SubmitTime: new Date(),
          request: input,
        });
        this.pendingVersions.set(arn, { script, polls: script.polls ?? 1 });
        return { DocumentClassifierArn: arn };
      },
      DescribeCandidate: async (input: { DocumentClassifierArn: string }) => {
        log('DescribeCandidate');
        return this.describeVersion(input.DocumentClassifierArn);
      },
      DescribeCurrentModel: async (input: { DocumentClassifierArn: string }) => {
        log('DescribeCurrentModel');
        return this.describeVersion(input.DocumentClassifierArn);
      },
      UpdateEndpoint: async (input: { EndpointArn: string; DesiredModelArn?: string; FlywheelArn?: string }) => {
        log('UpdateEndpoint');
        const endpoint = this.endpoints.get(input.EndpointArn);
        if (!endpoint) throw serviceError('Comprehend.ResourceNotFoundException');
        if (this.endpointBusy > 0) {
          this.endpointBusy -= 1;
          throw serviceError('Comprehend.ResourceInUseException', 'Endpoint is being updated');
        }
        endpoint.DesiredModelArn = input.DesiredModelArn ?? this.activeModel;
        if (input.FlywheelArn) endpoint.FlywheelArn = input.FlywheelArn;
        this.pendingEndpoints.set(input.EndpointArn, this.endpointPolls);
        return { DesiredModelArn: endpoint.DesiredModelArn };
      },
      CreateEndpoint: async (input: {
        EndpointName: string;
        ModelArn?: string;
        FlywheelArn?: string;
        DesiredInferenceUnits: number;
      }) => {
        log('CreateEndpoint');
        const arn = `${ARN_PREFIX}:document-classifier-endpoint/${input.EndpointName}`;
        if (this.endpoints.has(arn)) throw serviceError('Comprehend.ResourceInUseException');
        this.endpoints.set(arn, {
          EndpointArn: arn,
          DesiredModelArn: input.ModelArn ?? this.activeModel,
          Status: 'CREATING',
          DesiredInferenceUnits: input.DesiredInferenceUnits,
        });
        this.pendingEndpoints.set(arn, this.endpointPolls);
        return { EndpointArn: arn };
      },
      // Flywheel mode.
      CreateDataset: async (input: Record<string, unknown>) => {
        log('CreateDataset');
        this.datasets.push(input);
        return { DatasetArn: `${String(input.FlywheelArn)}/dataset/${String(input.DatasetName)}` };
      },
      DescribeDataset: async (input: { DatasetArn: string }) => {
        log('DescribeDataset');
        return { DatasetProperties: { DatasetArn: input.DatasetArn, Status: 'COMPLETED' } };
      },
      StartFlywheelIteration: async () => {
        log('StartFlywheelIteration');
        return { FlywheelIterationId: 'iteration-1' };
      },
      DescribeFlywheelIteration: async () => {
        log('DescribeFlywheelIteration');
        return {
          FlywheelIterationProperties: {
            FlywheelIterationId: 'iteration-1',
            Status: 'COMPLETED',
            TrainedModelArn: `${ARN_PREFIX}:document-classifier/flywheel-model/version/iteration-1`,
            TrainedModelMetrics: this.iteration?.trained,
            EvaluatedModelArn: this.activeModel,
            EvaluatedModelMetrics: this.iteration?.evaluated,
          },
        };
      },
      UpdateFlywheel: async (input: { ActiveModelArn: string }) => {
        log('UpdateFlywheel');
        this.activeModel = input.ActiveModelArn;
        return {};
      },
      [RT_STATES.PREPARE]: async (input: never) => {
        log(RT_STATES.PREPARE);
        return lambdas.prepare(input);
      },
      [RT_STATES.EVALUATE]: async (input: never) => {
        log(RT_STATES.EVALUATE);
        return lambdas.evaluate(input);
      },
      [RT_STATES.CLEAN_UP]: async (input: never) => {
        log(RT_STATES.CLEAN_UP);
        return lambdas.cleanUp(input);
      },
      [`${RT_STATES.CLEAN_UP}AfterKeep`]: async (input: never) => {
        log(RT_STATES.CLEAN_UP);
        return lambdas.cleanUp(input);
      },
    };
    // A definition that loops (a Describe loop that never ends) fails the run instead of running on.
    return Object.fromEntries(
      Object.entries(handlers).map(([name, handler]) => [
        name,
        async (input: never) => {
          if (this.calls.length > MAX_CALLS)
            throw new Error(
              `Runaway execution: over ${MAX_CALLS} task calls, the last ${this.calls.slice(-6).join(', ')}`,
            );
          return handler(input);
        },
      ]),
    );
  }
}
