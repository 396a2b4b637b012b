# The paper's Table 2: packets and bytes that reached the monitor for one
# 36 MB GET, per mirroring mode, mirror capped and uncapped, next to the
# paper's two rows.  Columns of dat: label, capped pkts/bytes, uncapped
# pkts/bytes, paper pkts/bytes.  Bars hatched (PAT in common.gp: capped
# solid, uncapped '/', the paper cross-hatched); a measured 0 is marked 0
# (log scale: no bar).  One key, in a row above both panels (drawn by
# hand: a key spans one panel at most).  Variables: dat, out, term.
load 'common.gp'
# Panels placed in screen units: the key's row between the title and the
# panels' titles in either terminal.
set multiplot layout 1,2 title 'Table 2: one 36 MB GET, what reached the monitor' \
    margins screen 0.08, 0.92, 0.27, 0.80 spacing screen 0.1
set logscale y
set format y '10^{%L}'
set xtics rotate by -30 left noenhanced
set xlabel 'mirroring mode'
unset key
keylt = '9 10 8'
keytitle = "'mirror capped (10 Mbit/s)' 'mirror uncapped' 'paper (IOTS 2016)'"
# has_i: series i has a value (an entry in the key only then).
has_1 = 0; has_2 = 0; has_3 = 0
set table $scratch
plot [*:*] [0.5:2] dat using 0:(has_1 = has_1 + valid(2), has_2 = has_2 + valid(4), \
                            has_3 = has_3 + valid(6), 1) with points
unset table
x0 = 0.16
do for [i=1:3] {
    if (value(sprintf('has_%d', i)) > 0) {
        k = int(word(keylt, i))
        set object i rect from screen x0, 0.88 to screen x0 + 0.04, 0.91 \
            fc lt k fs pattern PAT[k] border lc rgb 'black' lw 1.5
        set label i word(keytitle, i) at screen x0 + 0.05, 0.895 left noenhanced
        x0 = x0 + 0.26
    }
}
do for [p=0:1] {
    cp = 2 + p; up = 4 + p; pp = 6 + p
    set title (p == 0 ? '(a) packets' : '(b) bytes')
    set ylabel (p == 0 ? 'packets at the monitor (log scale)' \
                       : 'bytes at the monitor (bytes, log scale)')
    # The y range from the decade under the smallest value drawn: the 0
    # marks sit just above it (not on it: rounding would clip them).
    set yrange [*:*]
    set table $scratch
    plot dat using cp:xtic(1), '' using up, '' using pp
    unset table
    ylo = 10 ** floor(log10(GPVAL_DATA_Y_MIN))
    set yrange [ylo:*]
    plot dat using cp:xtic(1) lt 9 dt 1 fs pattern PAT[9] border -1, \
         '' using up lt 10 dt 1 fs pattern PAT[10] border -1, \
         '' using pp lt 8 dt 1 fs pattern PAT[8] border -1, \
         '' using (barx($0, 0, 3)):(ylo * 1.05):(zero(column(cp))) \
             with labels offset 0,0.7, \
         '' using (barx($0, 1, 3)):(ylo * 1.05):(zero(column(up))) \
             with labels offset 0,0.7
    unset object; unset label       # the key once
}
unset multiplot
