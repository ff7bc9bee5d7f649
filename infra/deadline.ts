/**
 * `work`'s outcome, or a rejection (an Error named TimeoutError, with `message`) once `ms` have passed
 * first. `work` is left to settle on its own: a promise cannot be cancelled.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(message), { name: 'TimeoutError' })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
