# Sourced by bin/epochal, bin/spark-submit-local, bin/bench-driver and bin/bench-worker: the native
# settings every JVM that trains runs with.
#
# 1. oneDNN (PyTorch's CPU convolution library) limited to AVX kernels: its AVX2 and AVX-512
#    convolution kernels now and then give a wrong, often NaN, result for the same input and
#    weights, mostly while the CPU is busy with other work (worker test CnnRoundStressTest shows it
#    with PyTorch 2.7.1). An ONEDNN_MAX_CPU_ISA already set is left as it is.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX}"
#
# 2. Memory on transparent huge pages when the kernel offers them to programs that ask ([madvise]
#    or [always] in /sys/kernel/mm/transparent_hugepage/enabled). On 4 KiB pages every fresh page
#    costs a page fault, a costly one on virtual machines; training touches fresh memory at every
#    step and a resume loads a whole checkpoint into fresh memory. Sets THP_OPTS to
#    -XX:+UseTransparentHugePages (the Java heap) and adds glibc.malloc.hugetlb=1 to GLIBC_TUNABLES
#    (native memory from malloc: direct buffers such as loaded tensors, and PyTorch's CPU tensors).
#    A glibc older than 2.35 ignores the tunable; a GLIBC_TUNABLES that already names
#    glibc.malloc.hugetlb is left as it is. A later -XX:-UseTransparentHugePages in the JVM
#    options turns the heap part off.
THP_OPTS=""
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  THP_OPTS="-XX:+UseTransparentHugePages"
  case "${GLIBC_TUNABLES:-}" in
    *glibc.malloc.hugetlb=*) ;;
    "") export GLIBC_TUNABLES="glibc.malloc.hugetlb=1" ;;
    *) export GLIBC_TUNABLES="$GLIBC_TUNABLES:glibc.malloc.hugetlb=1" ;;
  esac
fi
