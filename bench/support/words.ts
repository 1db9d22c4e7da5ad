/** Identifier-like words for generated source text (the agent task's files, the large repository). */
export const WORDS = [
  'total',
  'value',
  'items',
  'parse',
  'format',
  'result',
  'config',
  'request',
  'handler',
  'cache',
];
