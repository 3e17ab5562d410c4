// The streamed replay's default windows, apart from the replay itself so that the CLI can parse its
// options (and answer --help) without loading the sandbox.
/** Messages held back to put a nearly sorted trace in order (default). */
export const DEFAULT_REORDER_WINDOW = 100_000
/**
 * Message ids remembered to drop copies (default): the last this many replayed. A copy further on
 * is dropped by the engine if its shopper's state still remembers the id (reducer's seen list),
 * and is otherwise rejected as out of order when it is older than what was replayed.
 */
export const DEFAULT_DEDUPE_WINDOW = 1_000_000
