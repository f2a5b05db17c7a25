#!/usr/bin/env bash
# Runs the README's test command (scripts/test.sh) several times in a row, optionally with every core kept busy by
# another process, and prints each run's counts and the tests that failed, so a test that fails at random shows up.
#   scripts/stress-tests.sh [--runs N] [--busy] [-- extra dotnet test arguments, e.g. --filter ...]
# Last line: "R runs, N passed, N failed" over all runs; exit 1 when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

runs=5 busy=0 extra=()
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --busy) busy=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "stress-tests: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

burners=()
stop_burners() { ((${#burners[@]})) && kill "${burners[@]}" 2>/dev/null; burners=(); }
trap stop_burners EXIT
if ((busy)); then
  for _ in $(seq "$(nproc)"); do (while :; do :; done) & burners+=($!); done
  echo "stress-tests: ${#burners[@]} busy loops keep every core busy" >&2
fi

mkdir -p artifacts/stress
total_passed=0 total_failed=0 bad_runs=0
for run in $(seq "$runs"); do
  log=artifacts/stress/run-$run.log
  scripts/test.sh "${extra[@]}" >"$log" 2>&1
  status=$?
  read -r passed failed < <(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 | sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  passed=${passed:-0} failed=${failed:-0}
  [ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
  total_passed=$((total_passed + passed)) total_failed=$((total_failed + failed))
  ((failed == 0)) || bad_runs=$((bad_runs + 1))
  echo "run $run: $passed passed, $failed failed (log: $log)"
  grep -E '^\s+Failed [A-Za-z_.]+' "$log" | sed -E 's/^\s+Failed ([^ ]+).*/    failed: \1/' | sort -u
done
echo "$runs runs, $total_passed passed, $total_failed failed"
((bad_runs == 0))
