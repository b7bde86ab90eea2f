import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Largest scenario file read, in bytes. A scenario is a few hundred bytes and the default
 * matrix about 60 of them; a file past this is not a scenario set anyone wrote, and
 * `JSON.parse` of it would cost several times its size in heap (a 525 MB file found by
 * the fuzzer took the CLI past 2 GB).
 */
export const MAX_SCENARIO_FILE_BYTES = 16 << 20;

/**
 * Largest patch or mail file `review` reads, in bytes. Bigger than any ext4 series
 * posted (whole-tree pulls are tens of MB, of which only the ext4/iomap hunks are read).
 */
export const MAX_PATCH_FILE_BYTES = 64 << 20;

/** Why a file could not be read: one line, for the CLI's exit-2 message. */
export class InputFileError extends Error {}

/**
 * Read a file of at most `limit` bytes. A regular file's size is checked on the open
 * descriptor before any byte is read, so a huge file costs nothing; a pipe or device
 * (`/dev/stdin`) is read in chunks and refused as soon as it passes the limit.
 *
 * @throws InputFileError when the path cannot be opened or read (a directory), or holds
 *   more than `limit` bytes.
 */
export function readInputFile(path: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputFileError((err as Error).message);
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > limit) throw tooBig(st.size, limit);
    return readFd(fd, limit, !st.isFile());
  } finally {
    closeSync(fd);
  }
}

/**
 * Standard input, at most `limit` bytes: through /dev/stdin (pipes, files, terminals), or
 * from descriptor 0 directly when /dev/stdin cannot be opened (a socket gives `ENXIO`, as
 * Node's own child processes have).
 *
 * @throws InputFileError when unreadable or over the limit.
 */
export function readStdinInput(limit: number): Buffer {
  try {
    return readInputFile('/dev/stdin', limit);
  } catch (err) {
    if (!/\bENXIO\b|\bENOENT\b/.test((err as Error).message)) throw err;
  }
  return readFd(0, limit, true);
}

/** Read `fd` to its end in 1 MiB chunks, refusing as soon as it passes `limit` bytes. */
function readFd(fd: number, limit: number, sizeUnknown: boolean): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking pipe
      if (code === 'EOF') break; // Windows' way of saying end of a pipe
      throw new InputFileError((err as Error).message);
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw tooBig(total, limit, sizeUnknown);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

function tooBig(size: number, limit: number, atLeast = false): InputFileError {
  return new InputFileError(`${atLeast ? 'more than ' : ''}${mb(size)}, over the ${mb(limit)} limit for this input`);
}

function mb(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
