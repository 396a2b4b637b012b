# Recall of independent consumers (tshark, httpry, nDPI, p0f) on the
# mirror, capped at 10 Mbit/s, per consumer (cluster) and mode (bar).
# Columns of dat: consumer, none, plain, selective, truncate, elide-paper,
# elide, then their false records ("none" mirrors nothing: not drawn).
# Bars are hatched as well as coloured: readable in black and white.
# Variables: dat, out, term.
load 'common.gp'
set title 'Records of independent consumers kept on the mirror, capped at 10 Mbit/s'
set yrange [0:105]
set ylabel 'recall (% of the ground truth''s records)'
set key outside right top
plot for [c=3:7] dat using c:xtic(1) lt (c-1) fs pattern (c-2) border -1 noenhanced
