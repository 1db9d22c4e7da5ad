/** `init` once per container; a rejected start is forgotten so the next call retries it. */
export function once<T>(init: () => Promise<T>): () => Promise<T> {
  let ready: Promise<T> | undefined;
  return () =>
    (ready ??= init().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
}
