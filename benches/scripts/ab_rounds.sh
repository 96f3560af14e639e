# Sourced by the A/B scripts (ab_label.sh, ab_predict.sh): the rounds that alternate two builds
# and the check that both wrote the same bytes. The caller defines `run NAME BINARY SETTING`
# (printing one line per run), and sets A, B, `repeats` and `work`; every run's line goes to
# `$work/runs.txt` and each run writes `$work/out-NAME-SETTING.$ext` (`ext` defaults to jsonl).

# `repeats` rounds, each running both builds on one core and on all, the one that goes first
# alternating from round to round so that outside load hits both alike.
ab_rounds() {
    : >"$work/runs.txt"
    local r setting
    for r in $(seq "$repeats"); do
        for setting in one all; do
            if ((r % 2)); then
                run A "$A" "$setting" | tee -a "$work/runs.txt"
                run B "$B" "$setting" | tee -a "$work/runs.txt"
            else
                run B "$B" "$setting" | tee -a "$work/runs.txt"
                run A "$A" "$setting" | tee -a "$work/runs.txt"
            fi
        done
    done
}

# Whether both builds wrote the same bytes, per setting, and the load average after the runs.
ab_compare_outputs() {
    local setting
    for setting in one all; do
        local a="$work/out-A-$setting.${ext:-jsonl}" b="$work/out-B-$setting.${ext:-jsonl}"
        if cmp -s "$a" "$b"; then
            echo "outputs ($setting): identical"
        else
            echo "outputs ($setting): DIFFER ($a, $b)"
        fi
    done
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}
