/**
 * A launch parameter chose a value the portfolio administrator does not allow (a Secrets Manager secret the product
 * may not read, a GitLab group outside the allowed ones). The message names the parameter, the value, what is allowed
 * and who decides.
 */
export class LaunchRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchRefusedError';
  }
}

/** One launch parameter and the administrator's allowed values for it. */
export interface LaunchChoice {
  /** The CloudFormation parameter, e.g. `GitLabTokenSecretName`. */
  readonly parameter: string;
  /** The value the launching user chose. */
  readonly value: string;
  /** The values allowed; empty means any value (the administrator set no list). */
  readonly allowed: readonly string[];
  /** The configuration key that holds the list, e.g. `gitlabMlops.allowedTokenSecretNames`. */
  readonly configKey: string;
}

/**
 * Refuse a launch parameter the administrator did not allow. The product template already restricts the parameter
 * (`AllowedValues`); this is the handler's own check, so a template edited or launched outside Service Catalog still
 * cannot make the functions act with a privilege a launching user picked.
 *
 * @throws LaunchRefusedError naming the parameter, the value, the allowed values and the configuration key.
 */
export function checkLaunchChoice(choice: LaunchChoice): void {
  if (choice.allowed.length === 0 || choice.allowed.includes(choice.value)) return;
  throw new LaunchRefusedError(
    `${choice.parameter} ${JSON.stringify(choice.value)} is not allowed: choose one of ${choice.allowed.join(', ')} (the portfolio administrator sets them with ${choice.configKey})`,
  );
}
