import { Help, type Option } from 'commander';

/**
 * Help settings of the root program (commander copies them to every command made with `.command()`): a required option
 * says `(required)` after its description.
 */
export const HELP_CONFIGURATION: Partial<Help> = {
  optionDescription(this: Help, option: Option): string {
    const description = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${description} (required)` : description;
  },
};

/**
 * The `Example:` section of a command's `--help`, for `command.addHelpText('after', example('mlw …'))`: one worked
 * example (one or more lines).
 */
export function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
