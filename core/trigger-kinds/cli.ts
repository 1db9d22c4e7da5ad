/** `cli`: `nightshift run` on the command line, for an issue or a pull request, with instructions. */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const cli: TriggerKindSpec<'cli'> = { ...PERSON_ASKS, kind: 'cli', words: 'nightshift run' };
