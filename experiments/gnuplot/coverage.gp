# Header coverage (% of request and response heads fully present on the
# mirror) per workload and mode, mirror capped.  Columns of dat: workload,
# none, plain, selective, truncate, elide-paper, elide ("none" is 0 by
# construction and not drawn).  Variables: dat, out, term.
load 'common.gp'
set title 'L7 header coverage on the mirror, capped at 10 Mbit/s'
set yrange [0:105]
set ylabel 'heads covered (%)'
set key outside right top
plot for [c=3:7] dat using c:xtic(1) lt (c-1) noenhanced
