// What /proc tells of another process (a function under benchmark): its peak memory and the CPU
// time it has used. Linux only, as the benchmarks are.
#pragma once

#include <sys/types.h>

#include <string>

namespace bulkqa::bench {

// A field of /proc/<pid>/status in kB, e.g. VmHWM (the peak resident set); 0 when absent.
double status_kib(pid_t pid, const std::string& field);

// User plus system CPU time the process has used so far, in seconds.
double cpu_seconds(pid_t pid);

}  // namespace bulkqa::bench
