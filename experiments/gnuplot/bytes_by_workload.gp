# Mirrored bytes per workload (cluster) and mode (bar), the ground truth
# first.  Columns of dat: workload, truth, none, plain, selective,
# truncate, elide-paper, elide ("none" mirrors nothing and is not drawn).
# Variables: dat, out, term, title.
load 'common.gp'
set title title
set logscale y
set format y '10^{%L}'
set ylabel 'bytes mirrored (log)'
set key outside right top
plot dat using 2:xtic(1) lt 7, for [c=4:8] '' using c lt (c-2) noenhanced
