# Shared by the stand-in meters (sourced, not run). Real flows from a capture,
# found the way the Python meters find them: scapy filters an offline capture
# through tcpdump (BPF `ip and (tcp or udp)` for cicflowmeter), so tcpdump's
# "reading from file …" line goes to stderr, as with the real tools. One row
# per bidirectional 5-tuple (the first packet's sender is the source); the
# stand-ins fill the columns they do not compute with 0. Needs tcpdump (CI has it).

# flows_tsv FILE BPF → "first_ts src dst sport dport proto fwd_pkts bwd_pkts fwd_bytes bwd_bytes last_ts" lines;
# status 1 when tcpdump cannot read FILE (its message is left on stderr).
flows_tsv() {
  local out
  out=$(tcpdump -nn -tt -q -r "$1" "$2") || return 1
  awk '
    function split_ep(ep, r,   n, p) { n = split(ep, p, "."); if (n != 5) return 0
      r["ip"] = p[1] "." p[2] "." p[3] "." p[4]; r["port"] = p[5]; return 1 }
    $2 == "IP" {
      dst = $5; sub(/:$/, "", dst)
      if (!split_ep($3, s) || !split_ep(dst, d)) next
      proto = ($6 == "tcp") ? 6 : 17
      len = ($6 == "tcp") ? $7 : $NF
      fk = s["ip"] SUBSEP d["ip"] SUBSEP s["port"] SUBSEP d["port"] SUBSEP proto
      rk = d["ip"] SUBSEP s["ip"] SUBSEP d["port"] SUBSEP s["port"] SUBSEP proto
      if (fk in first) { fwd[fk]++; fb[fk] += len; last[fk] = $1 }
      else if (rk in first) { bwd[rk]++; bb[rk] += len; last[rk] = $1 }
      else { first[fk] = $1; last[fk] = $1; fwd[fk] = 1; fb[fk] = len; order[++n] = fk }
    }
    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, f, SUBSEP)
      print first[k], f[1], f[2], f[3], f[4], f[5], fwd[k], bwd[k] + 0, fb[k], bb[k] + 0, last[k] } }' <<<"$out"
}

# The Python meters print local time: datetime.fromtimestamp(ts).
local_time() { date -d "@${1%.*}" '+%Y-%m-%d %H:%M:%S'; }

# Test hooks, not release behaviour: FAKE_METER_MODE, else a word in the capture's
# name, makes the stand-in hang (with a child), die by SIGKILL after half a row
# (half), run 1 s longer (slow), fail on the first try per capture (flaky), fail to
# start like a broken installation (fail: an import error, exit 1), or exit 0
# without writing anything (empty). The real meters do these when stuck, killed
# by the OOM killer, missing a dependency, etc.
hook_mode() {
  local mode="${FAKE_METER_MODE:-ok}" m
  for m in hang fail empty half slow flaky; do case "$(basename "$1")" in *"$m"*) mode="$m" ;; esac; done
  echo "$mode"
}

# broken_install: what every Python meter prints when a dependency is missing.
broken_install() {
  printf 'Traceback (most recent call last):\n  File "%s", line 5, in <module>\n    from %s import main\n' "$0" "$1" >&2
  printf '  File "/usr/lib/python3/dist-packages/%s", line 4, in <module>\n    from scipy import stats as stat\n' "$1" >&2
  printf "ModuleNotFoundError: No module named 'scipy'\n" >&2
  exit 1
}

# flaky_first_try FILE: true (and remembered) the first time FILE's contents are seen.
# Keyed by device, inode and mtime: the meter may get a fresh hard link each try.
flaky_first_try() {
  local mark="${TMPDIR:-/tmp}/fake-meter-tried-$(stat -c '%d-%i-%.9Y' "$1")"
  [ -e "$mark" ] && return 1
  : > "$mark"
}

# The 82 columns of cicflowmeter 0.4.x/0.5.0 (flow.py get_data), in order.
CIC_COLUMNS="src_ip,dst_ip,src_port,dst_port,protocol,timestamp,flow_duration,flow_byts_s,flow_pkts_s,fwd_pkts_s,bwd_pkts_s,tot_fwd_pkts,tot_bwd_pkts,totlen_fwd_pkts,totlen_bwd_pkts,fwd_pkt_len_max,fwd_pkt_len_min,fwd_pkt_len_mean,fwd_pkt_len_std,bwd_pkt_len_max,bwd_pkt_len_min,bwd_pkt_len_mean,bwd_pkt_len_std,pkt_len_max,pkt_len_min,pkt_len_mean,pkt_len_std,pkt_len_var,fwd_header_len,bwd_header_len,fwd_seg_size_min,fwd_act_data_pkts,flow_iat_mean,flow_iat_max,flow_iat_min,flow_iat_std,fwd_iat_tot,fwd_iat_max,fwd_iat_min,fwd_iat_mean,fwd_iat_std,bwd_iat_tot,bwd_iat_max,bwd_iat_min,bwd_iat_mean,bwd_iat_std,fwd_psh_flags,bwd_psh_flags,fwd_urg_flags,bwd_urg_flags,fin_flag_cnt,syn_flag_cnt,rst_flag_cnt,psh_flag_cnt,ack_flag_cnt,urg_flag_cnt,ece_flag_cnt,down_up_ratio,pkt_size_avg,init_fwd_win_byts,init_bwd_win_byts,active_max,active_min,active_mean,active_std,idle_max,idle_min,idle_mean,idle_std,fwd_byts_b_avg,fwd_pkts_b_avg,bwd_byts_b_avg,bwd_pkts_b_avg,fwd_blk_rate_avg,bwd_blk_rate_avg,fwd_seg_size_avg,bwd_seg_size_avg,cwr_flag_count,subflow_fwd_pkts,subflow_bwd_pkts,subflow_fwd_byts,subflow_bwd_byts"

# cic_csv IN FIELDS OUT MODE: cicflowmeter's CSV output for capture IN. Like the real
# CSVWriter: OUT is opened (created empty) before reading; the header is written with
# the first flow, so no flow → 0-byte file; rows end in \r\n (csv.writer). --fields
# keeps the listed columns in the meter's own order and drops unknown names
# (get_data filters its dict). An unreadable capture kills scapy's reader thread:
# traceback on stderr, 0-byte file, and the caller carries on (exit 0).
cic_csv() {
  local in="$1" fields="$2" out="$3" mode="$4" tsv header="" c ts src dst sp dp proto fp bp fb bb last row
  : > "$out"
  if ! tsv=$(flows_tsv "$in" "ip and (tcp or udp)" 2>/dev/null); then
    echo "reading from file $in, link-type EN10MB (Ethernet), snapshot length 65535" >&2
    printf 'Exception in thread AsyncSniffer:\nTraceback (most recent call last):\n' >&2
    printf '  File "/usr/lib/python3/dist-packages/scapy/utils.py", line 1199, in __call__\n' >&2
    printf '    raise Scapy_Exception("Not a supported capture file")\n' >&2
    printf 'scapy.error.Scapy_Exception: Not a supported capture file\n' >&2
    return 0
  fi
  echo "reading from file $in, link-type EN10MB (Ethernet), snapshot length 65535" >&2
  [ -z "$tsv" ] && return 0
  IFS=, read -r -a all <<<"$CIC_COLUMNS"
  local cols=()
  for c in "${all[@]}"; do
    if [ -z "$fields" ] || [[ ",$fields," == *",$c,"* ]]; then cols+=("$c"); fi
  done
  header=$(IFS=,; echo "${cols[*]}")
  {
    printf '%s\r\n' "$header"
    [ "$mode" = half ] && { printf '127.0.0.1,127.0.0.1,4'; kill -KILL $$; }
    while read -r ts src dst sp dp proto fp bp fb bb last; do
      row=""
      for c in "${cols[@]}"; do
        case "$c" in
          src_ip) v=$src ;; dst_ip) v=$dst ;; src_port) v=$sp ;; dst_port) v=$dp ;; protocol) v=$proto ;;
          timestamp) v=$(local_time "$ts") ;; tot_fwd_pkts|subflow_fwd_pkts) v=$fp ;; tot_bwd_pkts|subflow_bwd_pkts) v=$bp ;;
          totlen_fwd_pkts) v=$fb ;; totlen_bwd_pkts) v=$bb ;; *) v=0 ;;
        esac
        row="$row${row:+,}$v"
      done
      printf '%s\r\n' "$row"
    done <<<"$tsv"
  } >> "$out"
}
