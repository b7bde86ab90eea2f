import { CancellationToken, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
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
  check?: (params: unknown) => string | undefined,
): (params: P, token?: CancellationToken) => Promise<R | ResponseError<never>> {
  // Notifications have no token.
  return async (params, token = CancellationToken.None) => {
    if (token.isCancellationRequested) return cancelledError();
    // Malformed params are the client's mistake: InvalidParams (-32602) with what is
    // wrong, not a logged stack trace and a silent fallback.
    const bad = check?.(params);
    if (bad) return new ResponseError(ErrorCodes.InvalidParams, `${name}: ${bad}`);
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

/**
 * `check` for requests on a document (`textDocument/hover`, `…/codeLens`, …): their params
 * must carry `textDocument.uri` as a string (LSP TextDocumentIdentifier).
 */
export function needsDocument(params: unknown): string | undefined {
  const td = (params as { textDocument?: { uri?: unknown } } | null | undefined)?.textDocument;
  if (!td || typeof td !== 'object') return 'params.textDocument: expected a TextDocumentIdentifier';
  if (typeof td.uri !== 'string') return 'params.textDocument.uri: expected a string';
  return undefined;
}
