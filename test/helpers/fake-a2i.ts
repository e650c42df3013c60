import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type StartHumanLoopInput } from '../../lambdas/review/adapters/a2i-runtime';

/** A recorded StartHumanLoop request. */
export interface RecordedRequest {
  readonly method?: string;
  readonly path?: string;
  readonly authorization?: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly input: StartHumanLoopInput;
}

/**
 * A local stand-in for the A2I runtime `StartHumanLoop` API (REST-JSON): remembers loop names like A2I does (a second
 * start of the same name answers 409 `ConflictException`), or answers a forced error.
 */
export class FakeA2iRuntime {
  public readonly requests: RecordedRequest[] = [];
  public readonly loops = new Set<string>();
  /** Answer every request with this error instead. */
  public failWith?: { status: number; type: string; message: string };
  private server?: Server;
  public endpoint = '';

  public async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const input = JSON.parse(body) as StartHumanLoopInput;
        this.requests.push({
          method: req.method,
          path: req.url,
          authorization: req.headers.authorization,
          headers: req.headers as Record<string, string>,
          body,
          input,
        });
        const error =
          this.failWith ??
          (this.loops.has(input.HumanLoopName)
            ? { status: 409, type: 'ConflictException', message: `HumanLoop ${input.HumanLoopName} already exists` }
            : undefined);
        if (error) {
          res.writeHead(error.status, {
            'Content-Type': 'application/json',
            'x-amzn-ErrorType': `${error.type}:http://internal.amazon.com/coral/com.amazonaws.sagemaker.a2i/`,
          });
          res.end(JSON.stringify({ message: error.message }));
          return;
        }
        this.loops.add(input.HumanLoopName);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            HumanLoopArn: `arn:aws:sagemaker:us-east-1:123456789012:human-loop/${input.HumanLoopName}`,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  public reset(): void {
    this.requests.length = 0;
    this.loops.clear();
    this.failWith = undefined;
  }
}
