# The threshold study on campus: elide at each threshold (x, log scale),
# plain and the mirror budget as horizontal lines.  Columns of dat (capped)
# and udat (uncapped): threshold, mirror_bytes, coverage_pct, tshark,
# httpry, ndpi, p0f, mirrored_body_bytes, bound_bytes, analytic_bytes,
# runs (plain and budget lines have threshold NaN: not drawn from here).
# Points and dash patterns as well as colours: readable in black and
# white.  Variables: dat, udat, out, term, and the capped plain (p_) and
# budget (b_) values: _bytes, _cov, _tshark, _body (NaN when absent).
load 'common.gp'
if (term eq 'pdf') {
    set terminal pdfcairo enhanced color font 'Sans,8' size 7in,5.6in
} else {
    set terminal pngcairo enhanced color font 'Sans,9' size 1200,960
}
set output out
set style data linespoints
set logscale x 2
set xrange [8192:200000000]
set xtics ('16Ki' 16384, '64Ki' 65536, '256Ki' 262144, '1Mi' 1048576, \
           '4Mi' 4194304, '10M' 10000000, '32Mi' 33554432, '100M' 100000000)
set xlabel 'elision threshold (bytes, log scale)'
set key bottom right font ',8'
set multiplot layout 2,2 title 'Threshold study on campus (mirror capped at 10 Mbit/s unless marked uncapped)'

set title '(a) bytes on the mirror'
set logscale y
set format y '10^{%L}'
set ylabel 'bytes mirrored (log)'
plot dat using 1:2 lt 6 pt 7 title 'elide, capped', \
     udat using 1:2 lt 5 pt 6 dt 2 title 'elide, uncapped', \
     p_bytes with lines lt 2 dt 4 title 'plain, capped', \
     b_bytes with lines lt 8 dt 5 title 'budget, capped'

set title '(b) heads on the mirror'
unset logscale y
set format y '%g'
set yrange [*:100.5]
set ylabel 'heads covered (%)'
plot dat using 1:3 lt 6 pt 7 title 'elide, capped', \
     udat using 1:3 lt 5 pt 6 dt 2 title 'elide, uncapped', \
     p_cov with lines lt 2 dt 4 title 'plain, capped', \
     b_cov with lines lt 8 dt 5 title 'budget, capped'

set title '(c) records of independent consumers, capped'
set ylabel 'recall (%)'
plot dat using 1:4 lt 6 pt 7 title 'tshark', \
     dat using 1:5 lt 3 pt 5 dt 2 title 'httpry', \
     dat using 1:6 lt 4 pt 9 dt 3 title 'nDPI', \
     dat using 1:7 lt 5 pt 11 dt 4 title 'p0f', \
     p_tshark with lines lt 2 dt 4 title 'tshark, plain', \
     b_tshark with lines lt 8 dt 5 title 'tshark, budget'

set title '(d) body bytes the monitor received (cleartext HTTP)'
set logscale y
set format y '10^{%L}'
set yrange [*:*]
set ylabel 'body bytes (log)'
plot dat using 1:8 lt 6 pt 7 title 'elide, capped', \
     udat using 1:8 lt 5 pt 6 dt 2 title 'elide, uncapped', \
     dat using 1:9 with lines lt 7 dt 3 title 'bound: cleartext bodies under it', \
     dat using 1:10 with lines lt 1 dt 6 title 'the same, by the distribution', \
     p_body with lines lt 2 dt 4 title 'plain, capped', \
     b_body with lines lt 8 dt 5 title 'budget, capped'
unset multiplot
