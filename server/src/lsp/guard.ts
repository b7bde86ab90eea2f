import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { errorText } from './analysis';

/**
 * The answer to a request the client cancelled (`$/cancelRequest`): LSP's RequestCancelled
 * (-32800). Clients tell it from a failure and drop it quietly; a `null` result instead
 * would read as "nothing here" and, for pull diagnostics, clear the problems list.
 */
export function cancelledError(): ResponseError<never> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

/**
 * Wrap a request or notification handler so that an exception becomes a logged error and
 * `fallback` (an empty or partial answer): bad input must never take the server down or
 * leave a client waiting on an error it cannot show. A request whose token is cancelled
 * (before, during or after the work) answers `cancelledError()` instead of its result.
 */
export function guard<P, R>(
  name: string,
  log: (message: string) => void,
  fallback: R,
  fn: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token?: CancellationToken) => Promise<R | ResponseError<never>> {
  // Notifications have no token.
  return async (params, token = CancellationToken.None) => {
    if (token.isCancellationRequested) return cancelledError();
    try {
      const r = await fn(params, token);
      return token.isCancellationRequested ? cancelledError() : r;
    } catch (err) {
      if (token.isCancellationRequested) return cancelledError();
      log(`${name} failed: ${errorText(err)}`);
      return fallback;
    }
  };
}
