# Environment of every JVM the bin/ commands start (sourced, not run).
#
# DJL: no usage reporting.
export OPT_OUT_TRACKING=true
# libtorch takes its CPU tensors from glibc's malloc, which hands large blocks back to the kernel when they are freed:
# everything above its mmap threshold (at most 32 MiB) and, in a thread's own arena, everything above 64 MiB. Every
# attention map of a large image ([12,T,T] floats: 113 MiB at 1,537 tokens) was then paged in afresh at each op,
# and fresh pages cost 0.3 GB/s on a virtual machine. One arena that never maps, unmaps or trims keeps freed tensors
# for reuse: the resident set stays at its high-water mark instead. README "CPU efficiency" has the measurements.
# A GLIBC_TUNABLES already set is kept as it is; set it empty for glibc's defaults.
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736}"
# libtorch's OpenMP threads (libgomp) spin after each parallel region by default, taking a core that other processes
# on a shared node need: passive waiting runs as fast idle and 1.2x faster at 0.72x the CPU per image beside a
# competing process (docs/benchmarks.md, "Busy node"). The Java side sizes libtorch's intra-op threads by the
# container's CPU quota (io.tagclip.inference.NativeThreads). An OMP_WAIT_POLICY already set is kept.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY-PASSIVE}"
