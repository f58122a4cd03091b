/**
 * Errors by kind, named as Python's exceptions (`hs.errors`): HyperSpy, numpy and dask raise
 * ValueError, TypeError, IndexError, KeyError and NotImplementedError; the library throws the class of
 * the same name for the same misuse. Each is a subclass of the JavaScript error it resembles, so
 * `e instanceof RangeError` (or `TypeError`) keeps working, and its `name` is the Python exception's:
 *
 * | class                | extends (JS)       | `name`                |
 * |----------------------|--------------------|-----------------------|
 * | ValueError           | RangeError         | "ValueError"          |
 * | IndexError           | RangeError         | "IndexError"          |
 * | KeyError             | RangeError         | "KeyError"            |
 * | TypeError            | TypeError (global) | "TypeError"           |
 * | NotImplementedError  | Error              | "NotImplementedError" |
 *
 * `UnknownChunksError` (core/chunks.ts) is a ValueError, as dask's error for unknown chunk sizes.
 */

/** Python's ValueError: an argument of the right type with a wrong value (a RangeError). */
export class ValueError extends RangeError {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ValueError";
  }
}

/** Python's IndexError: an index out of range (a RangeError). */
export class IndexError extends RangeError {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IndexError";
  }
}

/** Python's KeyError: a name or key that does not exist (a RangeError). */
export class KeyError extends RangeError {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KeyError";
  }
}

const JsTypeError = globalThis.TypeError;

/** Python's TypeError: an argument of the wrong type, or an operation the type does not support (a JS TypeError). */
class PyTypeError extends JsTypeError {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TypeError";
  }
}
export { PyTypeError as TypeError };

/** Python's NotImplementedError: a case HyperSpy / dask do not support either (an Error). */
export class NotImplementedError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotImplementedError";
  }
}
