/**
 * Writes the JSON schema of `.github/nightshift.yml` to `core/nightshift.schema.json`, generated
 * from the zod schema in `core/config.ts`. `--check` only reports whether the file is current.
 *
 *   npx tsx scripts/config-schema.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { configJsonSchema } from '../core/config.js';

const file = fileURLToPath(new URL('../core/nightshift.schema.json', import.meta.url));
const options = (await prettier.resolveConfig(file)) ?? {};
const text = await prettier.format(JSON.stringify(configJsonSchema()), { ...options, filepath: file });

if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${file} is out of date: run npx tsx scripts/config-schema.ts`);
    process.exit(1);
  }
} else {
  await writeFile(file, text);
  console.log(`wrote ${file}`);
}
