/** Runs `op`; true if it settled (resolved or rejected) within `ms`. Never throws. */
export async function settlesWithin(op: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = Promise.resolve()
    .then(op)
    .then(
      () => true,
      () => true,
    );
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
