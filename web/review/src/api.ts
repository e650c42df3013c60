import { type QueueStats } from '../../../lambdas/review-portal/core/stats';
import { type TaskView } from '../../../lambdas/review-portal/core/task';

/** The API could not be reached (offline, DNS, CORS, server gone): nothing was saved, the request can be retried. */
export class NetworkError extends Error {}

/** The API answered with an error status; `code` is set for review-specific refusals (see contract.ts). */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly code?: string,
    public readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Answer of `POST /tasks/{id}/answers`. */
export interface SubmitResult {
  readonly taskId: string;
  readonly status: 'recorded' | 'duplicate';
  readonly completed: boolean;
  readonly answersReceived: number;
}

/** A small client of the review API: JSON in and out, the ID token as `Authorization`. */
export class ReviewApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => string | undefined,
  ) {}

  public claim(): Promise<{ task: TaskView | null }> {
    return this.call('POST', '/tasks/claim');
  }

  public task(taskId: string): Promise<{ task: TaskView }> {
    return this.call('GET', `/tasks/${encodeURIComponent(taskId)}`);
  }

  public submit(taskId: string, answers: Record<string, unknown>): Promise<SubmitResult> {
    return this.call('POST', `/tasks/${encodeURIComponent(taskId)}/answers`, { answers });
  }

  public release(taskId: string): Promise<{ released: boolean }> {
    return this.call('POST', `/tasks/${encodeURIComponent(taskId)}/release`);
  }

  public stats(): Promise<QueueStats> {
    return this.call('GET', '/stats');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.token();
    if (token) headers.Authorization = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (!response.ok) {
      const { message, code, details } = parsed as { message?: string; code?: string; details?: string[] };
      throw new ApiError(response.status, message ?? `HTTP ${response.status}`, code, details ?? []);
    }
    return parsed as T;
  }
}
