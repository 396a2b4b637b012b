# Mirrored bytes against the size of one GET, per mode; capped (left) and
# uncapped (right); the ground truth dashed.  Columns of dat: size, then
# capped none..elide and truth (2-8), uncapped none..elide and truth
# (9-15).  Variables: dat, out, term.
load 'common.gp'
set style data linespoints
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set xlabel 'response body size (bytes)'
set ylabel 'bytes mirrored'
set key top left
set multiplot layout 1,2 title 'Mirrored bytes per GET size'
set title 'mirror capped at 10 Mbit/s'
plot dat using 1:8 title 'truth' lt 7 dt 2, \
     for [c=3:7] '' using 1:c title columnhead(c)[8:] lt (c-1) noenhanced
set title 'mirror uncapped'
plot dat using 1:15 title 'truth' lt 7 dt 2, \
     for [c=10:14] '' using 1:c title columnhead(c)[10:] lt (c-8) noenhanced
unset multiplot
