// Errors a plugin throws: each becomes the WIT `plugin-error` the host acts
// on (retry, skip the record under errors.tolerance=all, or fail the task).
// Anything else thrown is a fatal error with its text.

/** A failure the plugin reports; `record` is the index in the batch of the
 * record that caused it. */
export class PluginError extends Error {
  constructor(message, record = null, kind = 'fatal') {
    super(message);
    this.kind = kind;
    this.record = record;
  }
}

/** The configuration is wrong; retrying cannot help. */
export class ConfigError extends PluginError {
  constructor(message) {
    super(message, null, 'config');
  }
}

/** One record cannot be handled; others may be fine. */
export class DataError extends PluginError {
  constructor(message, record = null) {
    super(message, record, 'data');
  }
}

/** A passing fault of the outside system; the same call may succeed later. */
export class RetriableError extends PluginError {
  constructor(message) {
    super(message, null, 'retriable');
  }
}
