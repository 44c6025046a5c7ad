package dev.runboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU accounting from /proc: whole machine, one process, a process tree. */
final class Machine {

  static final double TICK = 100.0; // USER_HZ on Linux

  private Machine() {
  }

  /** Busy and total CPU seconds of the whole machine since boot (all cores). */
  static double[] machineCpu() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      double user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), sys = Long.parseLong(f[3]);
      double idle = Long.parseLong(f[4]), iowait = Long.parseLong(f[5]);
      double irq = Long.parseLong(f[6]), softirq = Long.parseLong(f[7]), steal = Long.parseLong(f[8]);
      double busy = user + nice + sys + irq + softirq + steal;
      return new double[] {busy / TICK, (busy + idle + iowait) / TICK};
    } catch (IOException e) {
      return new double[] {0, 0};
    }
  }

  /** utime+stime (and with {@code children}, cutime+cstime of reaped children) of one process, in seconds. */
  static double processCpu(long pid, boolean children) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): utime is field 14 → f[11]
      double t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      if (children) {
        t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
      }
      return t / TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** A process, its live descendants and its reaped children (e.g. a postmaster and its backends). */
  static double treeCpu(long pid) {
    return treeCpu(pid, new java.util.HashSet<>());
  }

  /** {@link #treeCpu(long)}, skipping the processes in {@code seen} and adding those it counts. */
  static double treeCpu(long pid, java.util.Set<Long> seen) {
    double total = seen.add(pid) ? processCpu(pid, true) : 0;
    List<ProcessHandle> kids = ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of());
    for (ProcessHandle kid : kids) {
      if (seen.add(kid.pid())) {
        total += processCpu(kid.pid(), false);
      }
    }
    return total;
  }

  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // gone
    }
    return -1;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static double selfCpu() {
    return processCpu(ProcessHandle.current().pid(), false);
  }
}
