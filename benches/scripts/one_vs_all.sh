# Sourced by the core-scaling benchmarks (cores.sh, predict_cores.sh): runs the caller's
# `run THREADS CPUS` (which prints "MB/s seconds peak_MiB") pinned to one core and then on all
# cores, `repeats` times each, alternating so that outside load hits both alike; prints each run
# and sets `m1` and `ma`, the median MB/s on one core and on all. Needs `repeats` and `cores`.
printf '%-10s %6s %8s %9s %9s  %s\n' setting run MB/s seconds peak_MiB load
one=() all=()
for r in $(seq "$repeats"); do
    for setting in one all; do
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        if [[ $setting == one ]]; then
            read -r rate seconds mib < <(run 1 0)
            one+=("$rate")
        else
            read -r rate seconds mib < <(run "$cores" "0-$((cores - 1))")
            all+=("$rate")
        fi
        printf '%-10s %6s %8s %9s %9s  %s\n' "$setting" "$r" "$rate" "$seconds" "$mib" "$load"
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
m1=$(median "${one[@]}")
ma=$(median "${all[@]}")
