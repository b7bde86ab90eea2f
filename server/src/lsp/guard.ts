import { CancellationToken } from 'vscode-languageserver';
import { errorText } from './analysis';

/**
 * Wrap a request or notification handler so that an exception becomes a logged error and
 * `fallback` (an empty or partial answer): bad input must never take the server down or
 * leave a client waiting on an error it cannot show.
 */
export function guard<P, R>(name: string, log: (message: string) => void, fallback: R, fn: (params: P, token: CancellationToken) => R | Promise<R>): (params: P, token?: CancellationToken) => Promise<R> {
  return async (params, token) => {
    try {
      // Notifications have no token.
      return await fn(params, token ?? CancellationToken.None);
    } catch (err) {
      log(`${name} failed: ${errorText(err)}`);
      return fallback;
    }
  };
}
