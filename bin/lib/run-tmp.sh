# Sourced by bin/epochal and bin/spark-submit-local: sets TMP_OPT to the JVM option that gives this
# run a temporary directory of its own.
#
# Temporary files (Spark's local and block-manager directories, local-cluster's worker and executor
# directories, unpacked native libraries) go to a directory of this run's own, named after its
# process (the JVM takes the sourcing shell's process id through exec) and a random part; the JVM
# deletes it when it exits (io.epochal.driver.cli.RunDirectory), but a JVM killed with SIGKILL
# runs no shutdown hook to delete them, so each run first removes the directories of runs whose
# process is gone. A -Djava.io.tmpdir given later on the JVM's command line wins. The JVM also gets
# the root itself (epochal.tmp.root): what a command keeps after it ends (the work directory of
# 'epochal chaos') goes there, not into the per-run directory the next run removes.
#
# A run's process id means something only in its own PID namespace and on its own host: runs in other
# containers, or on other hosts, that share the TMPDIR (NFS, a shared scratch) hold ids this one cannot
# see, and every host's root namespace has the same id. Each run directory records its namespace
# (.pid-namespace) and its host with the kernel's boot id (.host): only directories of this host's
# boot and namespace (or recording neither) are swept, none younger than a minute. (Another boot id
# under this host's name may be another host of the same name: such directories are kept.) A process of another user counts as alive (kill -0 fails there with EPERM; /proc
# shows it, unless mounted with hidepid, where only the owner may remove the directory anyway).
# Another JVM that uses a run's directory (a child driver of 'resume --all') records itself there as
# .live-<pid> while it runs: the directory is kept while any of them lives, after its own process
# was killed too.
TMP_ROOT="${TMPDIR:-/tmp}"
OWN_PID_NS="$(readlink "/proc/$$/ns/pid" 2>/dev/null || true)"
OWN_HOST="$(uname -n 2>/dev/null || true) $(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true)"
run_alive() {
  if [[ -d /proc/self ]]; then
    [[ -d "/proc/$1" ]]
  else
    local err
    err="$(LC_ALL=C kill -0 "$1" 2>&1)" || [[ "$err" == *"not permitted"* ]]
  fi
}
for old in "$TMP_ROOT"/epochal-run-*; do
  pid="${old##*/epochal-run-}"
  pid="${pid%%-*}"
  [[ -d "$old" && "$pid" =~ ^[0-9]+$ ]] || continue
  # a directory made in the last minute may not hold its namespace yet: left for a later sweep
  [[ -z "$(find "$old" -maxdepth 0 -mmin -1 2>/dev/null)" ]] || continue
  host="$(cat "$old/.host" 2>/dev/null || true)"
  if [[ -n "$host" && "$host" != "$OWN_HOST" ]]; then
    continue # another host's run (or boot's): whether its process lives cannot be seen from here
  fi
  ns="$(cat "$old/.pid-namespace" 2>/dev/null || true)"
  if [[ -n "$ns" && "$ns" != "$OWN_PID_NS" ]]; then
    continue # another namespace's run: whether its process lives cannot be seen from here
  fi
  used=false
  for live in "$pid" "$old"/.live-*; do
    live="${live##*/.live-}"
    if [[ "$live" =~ ^[0-9]+$ ]] && run_alive "$live"; then
      used=true
      break
    fi
  done
  if [[ "$used" == false ]]; then
    rm -rf "$old" 2>/dev/null || true
  fi
done
# epochal-run-<pid>-<random>: the process id for the sweep above, the random part for runs that share a
# TMPDIR with the same process id (containers, in each of which the launcher may be process 1)
TMP_OPT=("-Depochal.tmp.root=$TMP_ROOT")
if RUN_TMP="$(mktemp -d "$TMP_ROOT/epochal-run-$$-XXXXXX" 2>/dev/null)"; then
  TMP_OPT+=("-Djava.io.tmpdir=$RUN_TMP")
  [[ -z "$OWN_PID_NS" ]] || printf '%s\n' "$OWN_PID_NS" > "$RUN_TMP/.pid-namespace" 2>/dev/null || true
  printf '%s\n' "$OWN_HOST" > "$RUN_TMP/.host" 2>/dev/null || true
fi
