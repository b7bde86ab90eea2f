// Preloaded (`node --import`) into the CLI and server processes the fuzzer starts: on exit,
// write the process's peak RSS (KiB) to fd 3, a pipe the fuzzer reads. Exact for every
// normal exit; a process killed by a signal reports nothing and the fuzzer falls back to
// what it polled from /proc/<pid>/status.
//
// The peak is VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across execve
// (the old image's peak is kept in signal->maxrss), so a child spawned by a 640 MB parent
// reports 600 MB before it has done anything. That made 15 false memory findings in the
// first long run, all equal to the fuzzer's own RSS at the time.
import { readFileSync, writeSync } from 'node:fs';

function peakKB() {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}

process.on('exit', () => {
  try {
    writeSync(3, `maxrss ${peakKB()}\n`);
  } catch {
    /* fd 3 not a pipe: started by hand */
  }
});
