# Recall of independent consumers (tshark, httpry, nDPI, p0f) on the
# mirror, capped at 10 Mbit/s, per consumer (cluster) and mode (bar).
# Columns of dat: consumer, none, plain, selective, truncate, elide-paper,
# elide, then their false records ("none" mirrors nothing: not drawn).
# Bars hatched (PAT in common.gp) as well as coloured: readable in black
# and white; a recall of 0 is marked 0.  Variables: dat, out, term.
load 'common.gp'
set title 'Records of independent consumers kept on the mirror, capped at 10 Mbit/s'
set yrange [0:105]
set ytics 0, 20, 100
set ylabel 'recall (% of the ground truth''s records)'
set xlabel 'consumer'
set key outside right top
plot for [c=3:7] dat using c:xtic(1) lt (c-1) dt 1 fs pattern PAT[c-1] border -1, \
     for [c=3:7] '' using (barx($0, c-3, 5)):(0):(zero(column(c))) \
         with labels offset 0,0.7 notitle
