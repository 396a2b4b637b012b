# Mirrored bytes per workload (cluster) and mode (bar), the ground truth
# first.  Columns of dat: workload, truth, none, plain, selective,
# truncate, elide-paper, elide ("none" mirrors nothing and is not drawn).
# Bars hatched (PAT in common.gp), the truth empty; a mode that mirrored
# nothing is marked 0 (log scale: no bar).  Variables: dat, out, term,
# title.
load 'common.gp'
set title title noenhanced
set logscale y
set format y '10^{%L}'
set ylabel 'mirrored bytes (bytes, log scale)'
set xlabel 'workload'
set key outside right top
# The y range starts at the decade under the smallest value drawn, so that
# the 0 marks can sit just above it (not on it: rounding would clip them).
set table $scratch
plot dat using 2:xtic(1), for [c=4:8] '' using c
unset table
ylo = 10 ** floor(log10(GPVAL_DATA_Y_MIN))
set yrange [ylo:*]
plot dat using 2:xtic(1) lt 7 lw 1.5 dt 1 fs pattern PAT[7] border -1, \
     for [c=4:8] '' using c lt (c-2) dt 1 fs pattern PAT[c-2] border -1, \
     for [c=4:8] '' using (barx($0, c-3, 6)):(ylo * 1.05):(zero(column(c))) \
         with labels offset 0,0.7 notitle
