// Preloaded (`node --import`) into the CLI and server processes the fuzzer starts: on exit,
// write the process's peak RSS (KiB, getrusage ru_maxrss) to fd 3, a pipe the fuzzer reads.
// Exact for every normal exit; a process killed by a signal reports nothing and the
// fuzzer falls back to what it polled from /proc/<pid>/status (VmHWM).
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try {
    writeSync(3, `maxrss ${process.resourceUsage().maxRSS}\n`);
  } catch {
    /* fd 3 not a pipe: started by hand */
  }
});
