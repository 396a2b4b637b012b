# The threshold study on campus: elide at each threshold (x, log scale),
# plain and the mirror budget as horizontal lines.  Columns of dat (capped)
# and udat (uncapped): threshold, mirror_bytes, coverage_pct, tshark,
# httpry, ndpi, p0f, mirrored_body_bytes, bound_bytes, analytic_bytes,
# runs (plain and budget lines have threshold NaN: not drawn from here).
# Readable in black and white: elide capped solid with filled circles,
# uncapped dashed with open circles; plain dotted and the budget
# dash-dot, without points; each panel's key under it.  Variables: dat,
# udat, out, term, and the capped plain (p_) and budget (b_) values:
# _bytes, _cov, _tshark, _body (NaN when absent: no line, no key entry);
# odat: elide-replay --sweep over an uncapped run's ground truth (columns
# threshold, mirror_packets, mirror_bytes, heads, bodies_elided,
# body_bytes_mirrored, ...), '' when absent, drawn as crosses in (a), (d).
load 'common.gp'
if (term eq 'pdf') {
    set terminal pdfcairo enhanced color font 'Sans,10.5' size 7in,6.4in
} else {
    set terminal pngcairo enhanced color font 'Sans,11' size 1200,1100
}
set output out
set offsets 0, 0, 0, 0
set style data linespoints
set logscale x 2
set xrange [12000:140000000]
set xtics ('16Ki' 16384, '64Ki' 65536, '256Ki' 262144, '1Mi' 1048576, \
           '4Mi' 4194304, '10M' 10000000, '32Mi' 33554432, '100M' 100000000)
set xlabel 'elision threshold (bytes, log scale)' offset 0,0.3
set key outside below center horizontal maxcols 2 width -1 samplen 3
# Styles: elide capped and uncapped; plain and the budget (capped).
set style line 1 lt 6 pt 7 ps 1 dt 1
set style line 2 lt 6 pt 6 ps 1 dt 2
set style line 3 lt 2 lw 2 dt 3
set style line 4 lt 8 lw 2 dt (12, 4, 2, 4)
set style line 5 lt 7 pt 2 ps 1.6 lw 1.5
odat = exists('odat') ? odat : ''   # a word list: empty, nothing drawn
# A reference line's title only where it has a value.
has(v) = v == v
ref(v, t) = has(v) ? t : ''
set multiplot layout 2,2 title 'Threshold study on campus (mirror capped at 10 Mbit/s unless marked uncapped)'

set title '(a) bytes on the mirror'
set logscale y
set format y '10^{%L}'
set ylabel 'mirrored bytes (bytes, log scale)'
plot dat using 1:2 ls 1 title 'elide, capped', \
     udat using 1:2 ls 2 title 'elide, uncapped', \
     for [f in odat] f using 1:3 with points ls 5 title 'elide-replay, offline', \
     p_bytes with lines ls 3 title ref(p_bytes, 'plain, capped'), \
     b_bytes with lines ls 4 title ref(b_bytes, 'budget, capped')

set title '(b) heads on the mirror'
unset logscale y
set format y '%g'
set yrange [*:101]
set offsets 0, 0, 0, graph 0.04   # a line at the lowest value stays off the axis
set ylabel 'heads covered whole (% of all heads)'
plot dat using 1:3 ls 1 title 'elide, capped', \
     udat using 1:3 ls 2 title 'elide, uncapped', \
     p_cov with lines ls 3 title ref(p_cov, 'plain, capped'), \
     b_cov with lines ls 4 title ref(b_cov, 'budget, capped')

set title '(c) records of independent consumers, capped'
set ylabel 'recall (% of the ground truth''s records)'
plot dat using 1:4 ls 1 title 'tshark', \
     dat using 1:5 lt 3 pt 5 dt 2 title 'httpry', \
     dat using 1:6 lt 4 pt 9 dt 4 title 'nDPI', \
     dat using 1:7 lt 5 pt 13 dt 5 title 'p0f', \
     p_tshark with lines ls 3 title ref(p_tshark, 'tshark, plain'), \
     b_tshark with lines ls 4 title ref(b_tshark, 'tshark, budget')

set title '(d) body bytes the monitor received (cleartext HTTP)'
set logscale y
set format y '10^{%L}'
set yrange [*:*]
set offsets 0, 0, 0, 0
set ylabel 'body bytes (bytes, log scale)'
plot dat using 1:8 ls 1 title 'elide, capped', \
     udat using 1:8 ls 2 title 'elide, uncapped', \
     for [f in odat] f using 1:6 with points ls 5 title 'elide-replay, offline', \
     dat using 1:9 with lines lt 7 lw 1.5 title 'bound (fetched)', \
     dat using 1:10 lt 1 pt 1 dt 1 lw 1 title 'bound (distribution)', \
     p_body with lines ls 3 title ref(p_body, 'plain, capped'), \
     b_body with lines ls 4 title ref(b_body, 'budget, capped')
unset multiplot
