/**
 * The Node.js versions Nightshift supports are package.json's `engines`, the one place they are
 * written. On an older Node `npm start` says so in one line, in place of the AWS SDK's warnings.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function supportedNodeRange(): string {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { engines?: { node?: string } };
  return pkg.engines?.node ?? '*';
}

/** A one-line warning when `version` is outside `range`, else undefined. */
export function unsupportedNode(
  version: string = process.versions.node,
  range: string = supportedNodeRange(),
): string | undefined {
  if (semver.satisfies(version, range)) return undefined;
  const minimum = semver.minVersion(range);
  return (
    `Node.js ${version} is not supported (Nightshift needs ${range}): ` +
    `install Node.js ${minimum ? semver.major(minimum) : 'a supported version'} or newer (nvm install ${minimum ? semver.major(minimum) : 'lts'})`
  );
}
