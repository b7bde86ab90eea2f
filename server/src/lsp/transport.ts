/**
 * The language server's transport, set up here instead of by vscode-languageserver's own
 * command-line parsing so that the server holds the message reader.
 *
 * Why: vscode-jsonrpc's StreamMessageReader reads `Content-Length` framed messages. After
 * one frame with a bad, negative or missing `Content-Length`, or a body longer than
 * announced, it fires its error event and carries on from the wrong byte: every later
 * header fails to parse too, so the server answers nothing ever again while staying alive,
 * and no client notices that it should restart it. The library's connection swallows the
 * reader's error. We subscribe to it and exit non-zero, which VS Code's client and Neovim
 * see as a crashed server (and restart or report).
 *
 * `--node-ipc` (what the VS Code extension uses) is left to the library: Node frames IPC
 * messages itself, so there is no Content-Length to get wrong.
 */
import { Console } from 'node:console';
import { createServerPipeTransport, createServerSocketTransport, Disposable, MessageReader, MessageWriter, ReadableStreamMessageReader, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';

/** The transport named on the command line. */
export type TransportArg = { kind: 'stdio' } | { kind: 'socket'; port: number } | { kind: 'pipe'; name: string } | { kind: 'library' };

/**
 * Read the transport from `argv` the way vscode-languageserver does (the first transport
 * argument wins; `--socket N` and `--socket=N`, `--pipe NAME` and `--pipe=NAME`). Anything
 * else (`--node-ipc`, nothing) is `library`: the library sets it up (or reports it missing).
 */
export function transportArg(argv: readonly string[]): TransportArg {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--node-ipc') return { kind: 'library' };
    if (arg === '--stdio') return { kind: 'stdio' };
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, argv[i + 1]];
    if (name === '--socket') {
      const port = Number.parseInt(inline ?? '', 10);
      return Number.isNaN(port) ? { kind: 'library' } : { kind: 'socket', port };
    }
    if (name === '--pipe') return inline ? { kind: 'pipe', name: inline } : { kind: 'library' };
  }
  return { kind: 'library' };
}

/** A reader/writer pair the server owns, and for stdio the stream whose end means the client is gone. */
export interface Transport {
  reader: MessageReader;
  writer: MessageWriter;
  input?: NodeJS.ReadableStream;
}

/** Open the transport `arg` names; undefined for `library` (the library opens it). */
export function openTransport(arg: TransportArg): Transport | undefined {
  switch (arg.kind) {
    case 'stdio':
      return { reader: new StreamMessageReader(process.stdin), writer: new StreamMessageWriter(process.stdout), input: process.stdin };
    case 'socket': {
      const [reader, writer] = createServerSocketTransport(arg.port);
      return { reader, writer };
    }
    case 'pipe': {
      const [reader, writer] = createServerPipeTransport(arg.name);
      return { reader, writer };
    }
    case 'library':
      return undefined;
  }
}

/** How long a started message may stay incomplete before the stream counts as out of step. */
export const PARTIAL_MESSAGE_MS = 5_000;

/**
 * Exit with status 1, after one line on stderr, as soon as `reader` reports an error: the
 * stream is then out of step with the frames, and a silent server is worse than a dead
 * one (a client restarts a server that exits). `exit` and `writeErr` are the process's
 * unless a test passes its own.
 */
export function exitOnReaderError(reader: MessageReader, exit: (code: number) => void = (c) => process.exit(c), writeErr: (line: string) => void = (l) => process.stderr.write(l)): Disposable {
  let done = false;
  const fail = (why: string) => {
    if (done) return;
    done = true;
    writeErr(`ext4-write-path server: unreadable message from the client (${why}); exiting so the client can restart the server\n`);
    exit(1);
  };
  // The reader's message can hold the whole header block on further lines: one line is enough.
  const onError = reader.onError((err) => fail((err instanceof Error ? err.message : String(err)).split('\n')[0]));
  // A Content-Length larger than the body that follows leaves the reader waiting for bytes
  // that never come: no error, no answer. A client writes a whole message at once, so a
  // message still incomplete after the reader's partial-message timeout (5 s here) means
  // the stream is out of step: treat it like a framing error.
  if (reader instanceof ReadableStreamMessageReader) reader.partialMessageTimeout = PARTIAL_MESSAGE_MS;
  const onPartial = reader.onPartialMessage((info) => fail(`a message announced more bytes than arrived in ${info.waitingTime} ms`));
  return { dispose: () => (onError.dispose(), onPartial.dispose()) };
}

/**
 * What vscode-languageserver does for a stdio transport it opens itself, which it skips for
 * a reader it is handed: exit when stdin ends (the client is gone; status 0 only after a
 * `shutdown` request), and keep `console` output off stdout, which carries the protocol.
 */
export function stdioHousekeeping(input: NodeJS.ReadableStream, shutdownRequested: () => boolean): void {
  const gone = () => process.exit(shutdownRequested() ? 0 : 1);
  input.on('end', gone);
  input.on('close', gone);
  // Rebind the methods of the console object itself (not a new global), so code that
  // holds a reference to it writes to stderr too.
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr }) as unknown as Record<string, unknown>;
  const target = console as unknown as Record<string, unknown>;
  for (const k of Object.keys(toStderr)) if (typeof toStderr[k] === 'function') target[k] = toStderr[k];
}
