// A node:test reporter for the guest: one JSON line per finished test or suite, in the order the
// runner finishes them (a suite after its subtests), and one per diagnostic of a test (after
// it), for the host to mirror (vm.test.mjs).
const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/;
function describeError(error) {
  if (!error) return undefined;
  const cause = error.failureType === "subtestsFailed" ? undefined : (error.cause ?? error);
  const message =
    cause === undefined
      ? String(error.message)
      : cause instanceof Error
        ? `${cause.name === "AssertionError" || cause.name === "Error" ? "" : `${cause.name}: `}${cause.message}`
        : String(cause);
  return { message, failureType: error.failureType, stack: cause?.stack };
}

export default async function* guestReporter(source) {
  for await (const event of source) {
    if (event.type === "test:diagnostic" && !SUMMARY.test(event.data.message)) {
      yield `${JSON.stringify({ diagnostic: event.data.message, nesting: event.data.nesting })}\n`;
      continue;
    }
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const d = event.data;
    yield `${JSON.stringify({
      ok: event.type === "test:pass",
      name: d.name,
      nesting: d.nesting,
      suite: d.details?.type === "suite",
      skip: d.skip === undefined ? undefined : d.skip === true ? true : String(d.skip),
      todo: d.todo === undefined ? undefined : d.todo === true ? true : String(d.todo),
      durationMs: d.details?.duration_ms,
      error: describeError(d.details?.error),
      file: d.file,
    })}\n`;
  }
}
