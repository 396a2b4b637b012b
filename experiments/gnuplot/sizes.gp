# Mirrored bytes against the size of one GET, per mode; capped (left) and
# uncapped (right); the ground truth dashed, drawn last (uncapped, plain
# and selective lie on it).  Modes told apart by dash and point types
# (common.gp).  Columns of dat: size, then capped none..elide and truth
# (2-8), uncapped none..elide and truth (9-15).  Variables: dat, out,
# term.
load 'common.gp'
set offsets 0, 0, 0, 0
set style data linespoints
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set xlabel 'response body size (bytes, log scale)'
set ylabel 'mirrored bytes per GET (bytes, log scale)'
set key top left
set multiplot layout 1,2 title 'Mirrored bytes per GET size'
set title '(a) mirror capped at 10 Mbit/s'
plot for [c=3:7] dat using 1:c title columnhead(c)[8:] lt (c-1), \
     '' using 1:8 title 'truth' with lines lt 7
set title '(b) mirror uncapped'
plot for [c=10:14] dat using 1:c title columnhead(c)[10:] lt (c-8), \
     '' using 1:15 title 'truth' with lines lt 7
unset multiplot
