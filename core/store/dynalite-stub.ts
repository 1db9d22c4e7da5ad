/**
 * Stands in for `dynalite` in the bundles deployed to AWS. The embedded store (dynalite over
 * LevelDB, a native addon) is for local runs only; bundled, its native binding fails to load the
 * moment the module is imported, which would crash every cold start. On AWS the store is DynamoDB
 * itself, so nothing calls this.
 */
export default function dynalite(): never {
  throw new Error(
    'the embedded DynamoDB store is not part of this bundle: set DYNAMODB_ENDPOINT or use DynamoDB',
  );
}
